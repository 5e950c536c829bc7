"""The audit trail in Django's admin: shown, never added to, changed or deleted. axes' own
logs are registered again read-only (its AccessAttempt stays deletable: deleting one is how
an administrator lifts a lockout; the failure itself stays in AccessFailureLog)."""

from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import DownloadLog


@admin.register(DownloadLog)
class DownloadLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "ip_address", "kind", "filename")
    list_filter = ("kind",)
    search_fields = ("username", "filename")
    date_hierarchy = "at"


for model in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "logout_time", "username", "ip_address", "user_agent")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "username", "ip_address", "locked_out", "user_agent")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
