"""Campaigns are set up here. Ledger data (debtors, arrears, entries) is read-only in the
admin: it is entered on the product's pages, through the services and their rules."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "township", "start_date", "end_date", "target_ratio", "cutoff_time", "is_active")
    list_filter = ("township", "is_active")


@admin.register(Debtor)
class DebtorAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "village", "is_blacklisted", "litigation_status")
    list_filter = ("kind", "is_blacklisted", "litigation_status")
    search_fields = ("name", "name_initials")


@admin.register(Arrear)
class ArrearAdmin(ReadOnlyAdmin):
    list_display = ("debtor", "village", "category", "principal", "outstanding", "incurred_on")
    list_filter = ("category", "campaign")
    list_select_related = ("debtor", "village")


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "arrear", "amount", "kind", "received_on", "receipt_number", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("arrear__debtor", "recorded_by")


@admin.register(Reversal)
class ReversalAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "repayment", "reason", "recorded_by")
    list_select_related = ("repayment__arrear__debtor", "recorded_by")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "arrear", "amount", "approval_reference", "recorded_by")
    list_select_related = ("arrear__debtor", "recorded_by")
