from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Report, ReportRebuild


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Published reports are fixed; rebuild one from its page (管理员 → 重新生成, with a reason)."""

    list_display = ("day", "issue_number", "campaign", "version", "is_current", "built_at", "rebuild_reason")
    list_filter = ("campaign", "is_current")
    exclude = ("data",)


@admin.register(ReportRebuild)
class ReportRebuildAdmin(ReadOnlyAdmin):
    """Rebuilds asked from the report pages and what became of them (read-only)."""

    list_display = ("report", "status", "requested_by", "requested_at", "attempts", "result", "finished_at")
    list_filter = ("status",)
