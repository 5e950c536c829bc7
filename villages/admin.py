from django.contrib import admin

from .models import Assignment, Township, Village, WorkArea, Zone


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "township", "order")
    list_filter = ("township",)


@admin.register(WorkArea)
class WorkAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "zone", "order")
    list_filter = ("zone",)


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "work_area", "order")
    list_filter = ("work_area__zone", "work_area")
    search_fields = ("code", "name")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("role", "person_name", "title", "zone", "work_area", "village")
    list_filter = ("role",)
    search_fields = ("person_name",)
