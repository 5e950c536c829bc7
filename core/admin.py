from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "township", "village", "is_active")
    list_filter = ("groups", "township", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = BaseUserAdmin.fieldsets + (("所属单位", {"fields": ("display_name", "township", "village")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属单位", {"fields": ("display_name", "township", "village", "groups")}),)
