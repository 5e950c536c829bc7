from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("setup/", views.FirstRunView.as_view(), name="first_run"),
    path("start/", views.StartView.as_view(), name="start"),
    path("cadre-accounts/", views.CadreAccountsView.as_view(), name="cadre_accounts"),
]
