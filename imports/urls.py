from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportBatchListView.as_view(), name="batch_list"),
    path("add/", views.ImportUploadView.as_view(), name="batch_add"),
    path("templates/<str:kind>.xlsx", views.ImportTemplateView.as_view(), name="template"),
    path("<int:pk>/", views.ImportBatchView.as_view(), name="batch"),
    path("<int:pk>/confirm/", views.ImportBatchActionView.as_view(action="confirm"), name="batch_confirm"),
    path("<int:pk>/discard/", views.ImportBatchActionView.as_view(action="discard"), name="batch_discard"),
    path("<int:pk>/file/", views.ImportFileView.as_view(), name="batch_file"),
    path("<int:pk>/errors/", views.ImportFileView.as_view(annotated=True), name="batch_errors"),
]
