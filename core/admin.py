from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from .models import User


class ReadOnlyMixin:
    """No add, change or delete in the admin: what is recorded goes through the product's
    pages and their services (rules, history), so the admin only shows it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The base of every read-only model admin (ledger, reports, contracts, imports)."""


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """A read-only table of related rows inside a read-only admin page."""

    extra = 0


class PasswordSetByAdminForm(AdminPasswordChangeForm):
    """An administrator sets someone's password (a forgotten one, say): that user must
    change it when they next log in, as after the account was made."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "township", "village", "is_active", "must_change_password")
    list_filter = ("groups", "township", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("所属单位", {"fields": ("display_name", "township", "village")}),
        ("密码", {"fields": ("must_change_password",)}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属单位", {"fields": ("display_name", "township", "village", "groups")}),)
    change_password_form = PasswordSetByAdminForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the administrator chose the password, not the user
        super().save_model(request, obj, form, change)
