from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.VillageListView.as_view(), name="village_list"),
    path("<int:pk>/", views.VillageView.as_view(), name="village"),
]
