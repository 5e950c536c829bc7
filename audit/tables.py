import django_tables2 as tables
from axes.models import AccessFailureLog, AccessLog
from django.utils.html import format_html, format_html_join

from core.tables import BaseTable

from .models import DownloadLog
from .selectors import HISTORY_TYPES, change_diffs, previous_records

DATETIME = "Y-m-d H:i:s"


class ChangeTable(BaseTable):
    """History rows of one audited model; ``changes`` is each row against the one before it
    (the rows before those of the page are read in one query, not one per row)."""

    card_title = "object"
    card_first = ("history_date", "history_type", "history_user", "changes")
    history_date = tables.DateTimeColumn(verbose_name="时间", format=DATETIME)
    model = tables.Column(verbose_name="对象类型", empty_values=(), orderable=False)
    object = tables.Column(verbose_name="对象", empty_values=(), orderable=False)
    history_type = tables.Column(verbose_name="操作")
    history_user = tables.Column(verbose_name="操作人", default="（系统）")
    changes = tables.Column(verbose_name="修改内容（原 → 新）", empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        fields = ()
        order_by = ("-history_date",)

    def __init__(self, *args, audited, **kwargs):
        self.audited = audited
        self._diffs = None
        super().__init__(*args, **kwargs)

    def diffs(self):
        if self._diffs is None:
            rows = self.page.object_list if hasattr(self, "page") else self.rows
            records = [row.record for row in rows]
            self._diffs = change_diffs(records, previous_records(self.audited, records), self.audited)
        return self._diffs

    def render_model(self):
        return self.audited.label

    def _object(self, record):
        return f"#{record.id} {getattr(record, self.audited.title) or ''}".strip()

    def render_object(self, record):
        return self._object(record)

    def value_object(self, record):
        return self._object(record)

    def render_history_type(self, record):
        return HISTORY_TYPES.get(record.history_type, record.history_type)

    def value_history_type(self, record):
        return HISTORY_TYPES.get(record.history_type, record.history_type)

    def render_changes(self, record):
        changes = self.diffs().get(record.history_id, [])
        if not changes:
            return "已删除" if record.history_type == "-" else "（无可显示字段的变化，如密码）"
        return format_html(
            '<ul class="diff">{}</ul>',
            format_html_join("", "<li><b>{}</b>：<del>{}</del> → <ins>{}</ins></li>", changes),
        )

    def value_changes(self, record):
        changes = self.diffs().get(record.history_id, [])
        return "\n".join(f"{label}：{before} → {after}" for label, before, after in changes)


class LoginTable(BaseTable):
    card_title = "username"
    card_first = ("attempt_time", "ip_address")
    attempt_time = tables.DateTimeColumn(verbose_name="登录时间", format=DATETIME)
    username = tables.Column(verbose_name="用户名")
    ip_address = tables.Column(verbose_name="IP 地址")
    logout_time = tables.DateTimeColumn(verbose_name="退出时间", format=DATETIME, default="—")
    user_agent = tables.Column(verbose_name="浏览器")

    class Meta(BaseTable.Meta):
        model = AccessLog
        fields = ()
        order_by = ("-attempt_time",)


class LoginFailureTable(BaseTable):
    card_title = "username"
    card_first = ("attempt_time", "ip_address", "locked_out")
    attempt_time = tables.DateTimeColumn(verbose_name="尝试时间", format=DATETIME)
    username = tables.Column(verbose_name="用户名")
    ip_address = tables.Column(verbose_name="IP 地址")
    locked_out = tables.BooleanColumn(verbose_name="已锁定", yesno="是,否")
    user_agent = tables.Column(verbose_name="浏览器")

    class Meta(BaseTable.Meta):
        model = AccessFailureLog
        fields = ()
        order_by = ("-attempt_time",)


class DownloadTable(BaseTable):
    card_title = "filename"
    card_first = ("at", "username", "kind", "ip_address")
    at = tables.DateTimeColumn(verbose_name="下载时间", format=DATETIME)
    username = tables.Column(verbose_name="用户")
    ip_address = tables.Column(verbose_name="IP 地址")
    kind = tables.Column(verbose_name="文件类型")
    filename = tables.Column(verbose_name="文件名")
    path = tables.Column(verbose_name="地址")

    class Meta(BaseTable.Meta):
        model = DownloadLog
        fields = ()
        order_by = ("-at",)
