from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ImportBatch, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "township", "village", "is_active")
    list_filter = ("groups", "township", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = BaseUserAdmin.fieldsets + (("所属单位", {"fields": ("display_name", "township", "village")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属单位", {"fields": ("display_name", "township", "village", "groups")}),)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Uploads are kept as they came, with who and when: read-only here."""

    list_display = ("pk", "kind", "original_name", "township", "uploaded_by", "uploaded_at", "status", "row_count", "error_count")
    list_filter = ("kind", "status", "township")
    search_fields = ("original_name", "sha256")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
