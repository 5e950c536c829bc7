from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Published reports are fixed; rebuild one from its page (管理员 → 重新生成, with a reason)."""

    list_display = ("day", "issue_number", "campaign", "version", "is_current", "built_at", "rebuild_reason")
    list_filter = ("campaign", "is_current")
    exclude = ("data",)
