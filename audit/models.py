from django.conf import settings
from django.db import models
from django.utils import timezone


class DownloadKind(models.TextChoices):
    IMPORT_FILE = "import_file", "上传的台账原件"
    IMPORT_ERRORS = "import_errors", "台账错误标注文件"
    LIST_EXPORT = "list_export", "列表导出"
    REPORT = "report", "战报文件"
    ATTACHMENT = "attachment", "合同附件"
    FIGURES = "figures", "合同清理进度导出"


class DownloadLog(models.Model):
    """One download of a file with personal data: who, when, from which address, what.
    Written by ``audit.downloads.download_log`` only; never changed or deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, on_delete=models.SET_NULL, related_name="+",
    )
    username = models.CharField("用户名", max_length=150)
    at = models.DateTimeField("下载时间", default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    kind = models.CharField("文件类型", max_length=20, choices=DownloadKind.choices)
    filename = models.CharField("文件名", max_length=255)
    path = models.CharField("地址", max_length=500)
    object_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "下载记录"
        verbose_name_plural = "下载记录"

    def __str__(self):
        return f"{self.username} {self.filename}"
