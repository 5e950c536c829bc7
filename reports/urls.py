from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.RankingView.as_view(), name="ranking"),
    path("archive/", views.ReportListView.as_view(), name="report_list"),
    path("<int:pk>/", views.ReportView.as_view(), name="report"),
    path("<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report_pdf"),
    path("<int:pk>/xlsx/", views.ReportXlsxView.as_view(), name="report_xlsx"),
    path("<int:pk>/rebuild/", views.ReportRebuildView.as_view(), name="report_rebuild"),
]
