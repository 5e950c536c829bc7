from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("villages/", include("villages.urls")),
    path("recovery/", include("recovery.urls")),
    path("reports/", include("reports.urls")),
    path("contracts/", include("contracts.urls")),
    path("imports/", include("imports.urls")),
    path("onboarding/", include("onboarding.urls")),
    path("audit/", include("audit.urls")),
]
