import django_tables2 as tables

from core.tables import BaseTable


class ImportBatchTable(BaseTable):
    card_title = "original_name"
    card_first = ("pk", "status", "kind", "row_count", "error_count")
    pk = tables.Column(verbose_name="批次", linkify=True)
    kind = tables.Column(verbose_name="导入内容")
    original_name = tables.Column(verbose_name="文件名")
    uploaded_by = tables.Column(verbose_name="上传人")
    uploaded_at = tables.DateTimeColumn(verbose_name="上传时间", format="Y-m-d H:i")
    status = tables.Column(verbose_name="状态")
    row_count = tables.Column(verbose_name="数据行", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    error_count = tables.Column(verbose_name="错误", attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta(BaseTable.Meta):
        fields = ()
        order_by = ("-uploaded_at",)
