"""Contracts are read-only in the admin: they are registered, reviewed and paid on the
product's pages, through the services and their rules (one step at a time, history kept)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Contract, ContractAttachment, ContractFeePayment, ContractFinding, ContractStatusChange


class StatusChangeInline(ReadOnlyInline):
    model = ContractStatusChange
    fields = ("changed_at", "from_status", "to_status", "note", "changed_by")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "village", "counterparty_name", "category", "area_mu", "annual_fee", "end_date", "status")
    list_filter = ("status", "category", "form", "democratic_procedure")
    list_select_related = ("village",)
    search_fields = ("number", "subject", "counterparty_name")
    inlines = [StatusChangeInline]


@admin.register(ContractStatusChange)
class ContractStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "contract", "from_status", "to_status", "note", "changed_by")
    list_filter = ("to_status",)
    list_select_related = ("contract", "changed_by")


@admin.register(ContractFinding)
class ContractFindingAdmin(ReadOnlyAdmin):
    list_display = ("contract", "kind", "text", "is_open", "recorded_at", "resolved_at")
    list_filter = ("kind", "is_open")
    list_select_related = ("contract",)


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(ReadOnlyAdmin):
    list_display = ("contract", "kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    list_select_related = ("contract", "uploaded_by")
    exclude = ("file",)  # served only through the product's scoped download


@admin.register(ContractFeePayment)
class ContractFeePaymentAdmin(ReadOnlyAdmin):
    list_display = ("contract", "year", "amount", "received_on", "receipt_number", "recorded_by")
    list_select_related = ("contract", "recorded_by")
