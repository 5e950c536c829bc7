from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from audit.downloads import download_log
from audit.models import DownloadKind
from core.exports import sheets_to_workbook, workbook_response
from core.money import fmt_yuan
from core.roles import can_write
from core.views import ObjectListView, ScopedDetailView, ServiceFormView, VillageChoiceMixin, WriterRequiredMixin
from villages.models import Village

from . import selectors, services
from .choices import NEXT_STATUSES, ContractCategory, ContractStatus
from .filtersets import ContractFilterSet
from .forms import AttachmentForm, ContractAdvanceForm, ContractForm, FeePaymentForm, FindingForm
from .models import Contract, ContractAttachment, ContractFinding
from .tables import ContractTable


class ContractListView(ObjectListView):
    queryset = selectors.contracts_for_list(Contract.objects.all())
    filterset_class = ContractFilterSet
    table_class = ContractTable
    totals = {"annual_fee": ("年承包费", Sum("annual_fee")), "fees_outstanding": ("欠缴承包费", Sum("fees_outstanding"))}
    title = "合同"
    add_url_name = "contracts:contract_add"


def _detail_context(request, contract, advance_form=None):
    writer = can_write(request.user)
    next_statuses = NEXT_STATUSES[ContractStatus(contract.status)]
    if writer and advance_form is None and next_statuses:
        advance_form = ContractAdvanceForm(contract=contract)
    return {
        "contract": contract,
        "title": f"合同 {contract.number}",
        **selectors.contract_related(contract=contract),
        "next_statuses": next_statuses,
        "advance_form": advance_form if writer else None,
    }


class ContractView(ScopedDetailView):
    model = Contract
    template_name = "contracts/contract_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("village__work_area__zone", "debtor", "renewed_from")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_detail_context(self.request, self.object))
        return context


class ContractServiceFormView(WriterRequiredMixin, ServiceFormView):
    """A form about the contract named in the URL (among those of villages the user may
    see, else 404)."""

    queryset = Contract.objects.select_related("village__work_area__zone")


class ContractCreateView(WriterRequiredMixin, VillageChoiceMixin, ServiceFormView):
    form_class = ContractForm
    template_name = "contracts/contract_form.html"
    title = "登记合同"

    preselect_village = True

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.contract_create(village=data.pop("village"), created_by=self.request.user, **data)

    def get_success_message(self, contract):
        return f"已登记合同 {contract.number}（{contract.get_status_display()}）。"


class ContractEditView(VillageChoiceMixin, ContractServiceFormView):
    form_class = ContractForm
    template_name = "contracts/contract_form.html"

    def get_title(self):
        return f"修改合同：{self.object.number}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
        return services.contract_update(contract=self.object, updated_by=self.request.user, **data)

    def get_success_message(self, contract):
        return f"已保存合同 {contract.number}。"


class ContractAdvanceView(ContractServiceFormView):
    """The review's next step, posted from the contract's page; errors show there."""

    http_method_names = ["post", "options"]
    form_class = ContractAdvanceForm
    template_name = "contracts/contract_detail.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.object}

    def perform(self, form):
        data = form.cleaned_data
        return services.contract_advance(
            contract=self.object, to_status=data["to_status"], changed_by=self.request.user, note=data["note"],
            verified_area_mu=data.get("verified_area_mu"), recovered_area_mu=data.get("recovered_area_mu"),
            renewal=form.renewal(),
        )

    def get_success_message(self, result):
        contract = self.object
        if result.pk != contract.pk:
            return format_html(
                "已重签：新合同 <a href=\"{}\">{}</a>，年承包费 {} 元（原 {} 元）。",
                result.get_absolute_url(), result.number, fmt_yuan(result.annual_fee), fmt_yuan(contract.annual_fee),
            )
        return f"合同 {contract.number} 已进入“{contract.get_status_display()}”。"

    def form_invalid(self, form):
        messages.error(self.request, "未能进入下一步，请按提示修改。")
        return self.render_to_response(_detail_context(self.request, self.object, advance_form=form))


class FindingCreateView(ContractServiceFormView):
    form_class = FindingForm
    template_name = "contracts/finding_form.html"

    def perform(self, form):
        return services.finding_add(contract=self.object, recorded_by=self.request.user, **form.cleaned_data)

    def get_success_message(self, finding):
        return f"已记录问题：{finding.get_kind_display()}。"

    def get_success_url(self):
        return f"{self.object.get_absolute_url()}#findings"


class FindingResolveView(WriterRequiredMixin, View):
    def post(self, request, pk):
        finding = get_object_or_404(ContractFinding.objects.visible_to(request.user).select_related("contract__village"), pk=pk)
        services.finding_resolve(finding=finding, resolved_by=request.user)
        messages.success(request, f"问题“{finding.get_kind_display()}”已整改销号。")
        return redirect(f"{finding.contract.get_absolute_url()}#findings")


class AttachmentCreateView(ContractServiceFormView):
    form_class = AttachmentForm
    template_name = "contracts/attachment_form.html"

    def perform(self, form):
        return services.attachment_add(
            contract=self.object, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"],
            uploaded_by=self.request.user,
        )

    def get_success_message(self, attachment):
        return f"已上传{attachment.get_kind_display()}：{attachment.original_name}。"

    def get_success_url(self):
        return f"{self.object.get_absolute_url()}#attachments"


class AttachmentView(LoginRequiredMixin, View):
    """A contract's scan, only to users who may see its village (others: 404)."""

    def get(self, request, pk):
        attachment = get_object_or_404(ContractAttachment.objects.visible_to(request.user), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("附件文件不存在。")
        download_log(request, kind=DownloadKind.ATTACHMENT, filename=attachment.original_name, obj=attachment)
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type)


class FeePaymentCreateView(ContractServiceFormView):
    form_class = FeePaymentForm
    template_name = "contracts/fee_payment_form.html"

    def perform(self, form):
        return services.fee_payment_create(contract=self.object, recorded_by=self.request.user, **form.cleaned_data)

    def get_success_message(self, payment):
        return f"已录入 {payment.year} 年度承包费 {fmt_yuan(payment.amount)} 元。"

    def get_success_url(self):
        return f"{self.object.get_absolute_url()}#fees"


class FiguresView(LoginRequiredMixin, TemplateView):
    """Cleanup figures (清合同、化债务、增收入) over the villages the user may see."""

    template_name = "contracts/figures.html"

    def get(self, request, *args, **kwargs):
        figures = selectors.cleanup_figures(villages=Village.objects.visible_to(request.user))
        if request.GET.get("_export") == "xlsx":
            download_log(request, kind=DownloadKind.FIGURES, filename="合同清理进度.xlsx")
            return workbook_response(sheets_to_workbook(selectors.cleanup_figure_sheets(figures)), "合同清理进度.xlsx")
        context = self.get_context_data(
            figures=figures, total=figures["total"], levels=selectors.cleanup_levels(figures)[1:],
            categories=[c.label for c in ContractCategory],
            definitions=selectors.DEFINITIONS, note=selectors.NOTE, title="合同清理进度",
        )
        return self.render_to_response(context)
