from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Uploads are kept as they came, with who and when: read-only here."""

    list_display = ("pk", "kind", "original_name", "township", "uploaded_by", "uploaded_at", "status", "row_count", "error_count")
    list_filter = ("kind", "status", "township")
    search_fields = ("original_name", "sha256")
