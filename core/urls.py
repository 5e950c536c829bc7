from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(template_name="core/password_change.html"), name="password_change"),
    path("imports/", views.ImportBatchListView.as_view(), name="import_list"),
    path("imports/add/", views.ImportUploadView.as_view(), name="import_add"),
    path("imports/templates/<str:kind>.xlsx", views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("imports/<int:pk>/confirm/", views.ImportBatchActionView.as_view(action="confirm"), name="import_confirm"),
    path("imports/<int:pk>/discard/", views.ImportBatchActionView.as_view(action="discard"), name="import_discard"),
    path("imports/<int:pk>/file/", views.ImportFileView.as_view(), name="import_file"),
    path("imports/<int:pk>/errors/", views.ImportFileView.as_view(annotated=True), name="import_errors"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"), name="password_change_done"),
]
