from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("changes/", views.ChangeListView.as_view(), name="change_list"),
    path("logins/", views.LoginListView.as_view(), name="login_list"),
    path("logins/failed/", views.LoginFailureListView.as_view(), name="login_failure_list"),
    path("downloads/", views.DownloadListView.as_view(), name="download_list"),
]
