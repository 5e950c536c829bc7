from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from core.exports import Ratio, sheets_to_workbook, workbook_response
from core.forms import apply_service_errors
from core.money import ZERO, fmt_yuan
from core.roles import can_write
from core.views import ObjectListView, ScopedDetailView, WriterRequiredMixin
from villages.selectors import villages_visible_to

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
    title = "合同"
    add_url_name = "contracts:contract_add"


class ContractObjectMixin:
    """The contract named in the URL, among those of villages the user may see (else 404)."""

    def get_contract(self, pk=None):
        return get_object_or_404(
            Contract.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("village__work_area__zone"),
            pk=pk or self.kwargs["pk"],
        )


def _detail_context(request, contract, advance_form=None):
    writer = can_write(request.user)
    next_statuses = NEXT_STATUSES[ContractStatus(contract.status)]
    if writer and advance_form is None and next_statuses:
        advance_form = ContractAdvanceForm(contract=contract)
    arrears = list(contract.arrears.select_related("debtor").order_by("contract_year", "pk"))
    return {
        "contract": contract,
        "title": f"合同 {contract.number}",
        "renewal": Contract.objects.filter(renewed_from=contract).first(),
        "history": contract.status_changes.select_related("changed_by"),
        "findings": contract.findings.select_related("recorded_by"),
        "attachments": contract.attachments.select_related("uploaded_by"),
        "fee_payments": contract.fee_payments.select_related("recorded_by"),
        "arrears": arrears,
        "arrears_outstanding": sum((a.outstanding for a in arrears), ZERO),
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


class ContractCreateView(WriterRequiredMixin, View):
    template_name = "contracts/contract_form.html"

    def get(self, request):
        form = ContractForm(villages=villages_visible_to(request.user), initial={"village": request.GET.get("village")})
        return render(request, self.template_name, {"form": form, "title": "登记合同"})

    def post(self, request):
        form = ContractForm(request.POST, villages=villages_visible_to(request.user))
        if form.is_valid():
            data = dict(form.cleaned_data)
            village = data.pop("village")
            try:
                contract = services.contract_create(village=village, created_by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已登记合同 {contract.number}（{contract.get_status_display()}）。")
                return redirect(contract)
        return render(request, self.template_name, {"form": form, "title": "登记合同"})


class ContractEditView(WriterRequiredMixin, ContractObjectMixin, View):
    template_name = "contracts/contract_form.html"

    def _render(self, form, contract):
        return render(self.request, self.template_name, {"form": form, "contract": contract, "title": f"修改合同：{contract.number}"})

    def get(self, request, pk):
        contract = self.get_contract()
        return self._render(ContractForm(instance=contract, villages=villages_visible_to(request.user)), contract)

    def post(self, request, pk):
        contract = self.get_contract()
        form = ContractForm(request.POST, instance=contract, villages=villages_visible_to(request.user))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
            try:
                services.contract_update(contract=contract, updated_by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已保存合同 {contract.number}。")
                return redirect(contract)
        return self._render(form, contract)


class ContractAdvanceView(WriterRequiredMixin, ContractObjectMixin, View):
    """The review's next step, posted from the contract's page; errors show there."""

    def post(self, request, pk):
        contract = self.get_contract()
        form = ContractAdvanceForm(request.POST, contract=contract)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.contract_advance(
                    contract=contract, to_status=data["to_status"], changed_by=request.user, note=data["note"],
                    verified_area_mu=data.get("verified_area_mu"), recovered_area_mu=data.get("recovered_area_mu"),
                    renewal=form.renewal(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                if result.pk != contract.pk:
                    messages.success(request, format_html(
                        "已重签：新合同 <a href=\"{}\">{}</a>，年承包费 {} 元（原 {} 元）。",
                        result.get_absolute_url(), result.number, fmt_yuan(result.annual_fee), fmt_yuan(contract.annual_fee),
                    ))
                else:
                    messages.success(request, f"合同 {contract.number} 已进入“{contract.get_status_display()}”。")
                return redirect(contract)
        messages.error(request, "未能进入下一步，请按提示修改。")
        return render(request, "contracts/contract_detail.html", _detail_context(request, contract, advance_form=form))


class FindingCreateView(WriterRequiredMixin, ContractObjectMixin, View):
    template_name = "contracts/finding_form.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": FindingForm(), "contract": self.get_contract()})

    def post(self, request, pk):
        contract = self.get_contract()
        form = FindingForm(request.POST)
        if form.is_valid():
            try:
                finding = services.finding_add(contract=contract, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已记录问题：{finding.get_kind_display()}。")
                return redirect(f"{contract.get_absolute_url()}#findings")
        return render(request, self.template_name, {"form": form, "contract": contract})


class FindingResolveView(WriterRequiredMixin, View):
    def post(self, request, pk):
        finding = get_object_or_404(
            ContractFinding.objects.filter(contract__village__in=villages_visible_to(request.user)).select_related("contract__village"),
            pk=pk,
        )
        services.finding_resolve(finding=finding, resolved_by=request.user)
        messages.success(request, f"问题“{finding.get_kind_display()}”已整改销号。")
        return redirect(f"{finding.contract.get_absolute_url()}#findings")


class AttachmentCreateView(WriterRequiredMixin, ContractObjectMixin, View):
    template_name = "contracts/attachment_form.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": AttachmentForm(), "contract": self.get_contract()})

    def post(self, request, pk):
        contract = self.get_contract()
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                attachment = services.attachment_add(
                    contract=contract, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"], uploaded_by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已上传{attachment.get_kind_display()}：{attachment.original_name}。")
                return redirect(f"{contract.get_absolute_url()}#attachments")
        return render(request, self.template_name, {"form": form, "contract": contract})


class AttachmentView(LoginRequiredMixin, View):
    """A contract's scan, only to users who may see its village (others: 404)."""

    def get(self, request, pk):
        attachment = get_object_or_404(
            ContractAttachment.objects.filter(contract__village__in=villages_visible_to(request.user)), pk=pk,
        )
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("附件文件不存在。")
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type)


class FeePaymentCreateView(WriterRequiredMixin, ContractObjectMixin, View):
    template_name = "contracts/fee_payment_form.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": FeePaymentForm(), "contract": self.get_contract()})

    def post(self, request, pk):
        contract = self.get_contract()
        form = FeePaymentForm(request.POST)
        if form.is_valid():
            try:
                payment = services.fee_payment_create(contract=contract, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已录入 {payment.year} 年度承包费 {fmt_yuan(payment.amount)} 元。")
                return redirect(f"{contract.get_absolute_url()}#fees")
        return render(request, self.template_name, {"form": form, "contract": contract})


# ---- cleanup figures ------------------------------------------------------------------

FIGURE_HEADER = [
    "编码", "名称", "合同数", "查找率", "面积核实率", "调查完成率", "规范率",
    "清收欠款（元）", "化解金额（元）", "新增承包费（元/年）", "收回土地（亩）",
]


def _ratio(value):
    return Ratio(value) if value is not None else ""


def _figure_rows(figures):
    header = FIGURE_HEADER + [f"{c.label}{unit}" for c in ContractCategory for unit in ("（份）", "（亩）")]
    rows = [header]
    for f in figures:
        row = [
            f.code, f.name, f.contracts, _ratio(f.found_rate), _ratio(f.area_verified_rate),
            _ratio(f.investigated_rate), _ratio(f.settled_rate), f.recovered_cash, f.offset, f.new_fees, f.land_recovered,
        ]
        for c in ContractCategory:
            count, area = f.by_category.get(c.label, (0, ZERO))
            row += [count, area]
        rows.append(row)
    return rows


def _levels(figures):
    return [
        ("合计", [figures["total"]]),
        ("片区", figures["zones"]),
        ("工作区", figures["work_areas"]),
        ("村居", figures["villages"]),
    ]


class FiguresView(LoginRequiredMixin, TemplateView):
    """Cleanup figures (清合同、化债务、增收入) over the villages the user may see."""

    template_name = "contracts/figures.html"

    def get(self, request, *args, **kwargs):
        figures = selectors.cleanup_figures(villages=villages_visible_to(request.user))
        if request.GET.get("_export") == "xlsx":
            workbook = sheets_to_workbook([(title, _figure_rows(rows)) for title, rows in _levels(figures)])
            return workbook_response(workbook, "合同清理进度.xlsx")
        context = self.get_context_data(
            figures=figures, total=figures["total"], levels=_levels(figures)[1:],
            categories=[c.label for c in ContractCategory],
            definitions=selectors.DEFINITIONS, note=selectors.NOTE, title="合同清理进度",
        )
        return self.render_to_response(context)
