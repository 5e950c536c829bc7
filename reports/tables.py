import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from core.tables import BaseTable

from .models import Report


class ReportTable(BaseTable):
    card_title = "day"
    card_first = ("downloads", "issue_number", "is_current")
    day = tables.DateColumn(verbose_name="日期", format="Y-m-d", linkify=True)
    issue_number = tables.Column(verbose_name="期数")
    campaign = tables.Column(verbose_name="清收行动")
    version = tables.Column(verbose_name="版本")
    is_current = tables.BooleanColumn(verbose_name="当前版本", yesno="是,否")
    built_at = tables.DateTimeColumn(verbose_name="生成时间", format="Y-m-d H:i")
    rebuild_reason = tables.Column(verbose_name="重新生成原因")
    downloads = tables.Column(verbose_name="下载", empty_values=(), orderable=False, exclude_from_export=True)

    class Meta(BaseTable.Meta):
        model = Report
        fields = ()
        sequence = ("day", "issue_number", "campaign", "version", "is_current", "built_at", "rebuild_reason", "downloads")

    def render_issue_number(self, value):
        return f"第 {value} 期"

    def value_issue_number(self, value):
        return value

    def value_day(self, value):
        return value

    def value_built_at(self, value):
        return value

    def render_downloads(self, record):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">Excel</a>',
            reverse("reports:report_pdf", args=[record.pk]), reverse("reports:report_xlsx", args=[record.pk]),
        )
