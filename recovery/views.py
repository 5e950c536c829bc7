from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views import View

from core.forms import apply_service_errors
from core.money import fmt_yuan
from core.roles import can_write
from core.views import ObjectListView, ScopedDetailView, ScopedMixin, WriterRequiredMixin
from villages.selectors import villages_visible_to

from . import selectors, services
from .filtersets import ArrearFilterSet, DebtorFilterSet, RepaymentFilterSet
from .forms import ArrearEditForm, ArrearForm, DebtorForm, RepaymentForm, ReversalForm, WriteOffForm
from .models import Arrear, Campaign, Debtor, Repayment
from .tables import ArrearTable, DebtorTable, RepaymentTable


class DebtorListView(ObjectListView):
    queryset = selectors.debtors_with_totals(Debtor.objects.all())
    filterset_class = DebtorFilterSet
    table_class = DebtorTable
    title = "欠款人"
    add_url_name = "recovery:debtor_add"


class DebtorView(ScopedDetailView):
    model = Debtor
    template_name = "recovery/debtor_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("village__work_area__zone")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["arrears"] = selectors.debtor_history(debtor=self.object)
        context["show_identity"] = can_write(self.request.user)
        return context


def _campaigns_for(village):
    return Campaign.objects.filter(township_id=village.work_area.zone.township_id, is_active=True)


class DebtorCreateView(WriterRequiredMixin, View):
    template_name = "recovery/debtor_form.html"

    def get(self, request):
        form = DebtorForm(villages=villages_visible_to(request.user), initial={"village": request.GET.get("village")})
        return render(request, self.template_name, {"form": form, "title": "登记欠款人"})

    def post(self, request):
        form = DebtorForm(request.POST, villages=villages_visible_to(request.user))
        if form.is_valid():
            data = dict(form.cleaned_data)
            village = data.pop("village")
            try:
                debtor = services.debtor_create(village=village, created_by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已登记欠款人 {debtor.name}，请继续登记其欠款。")
                return redirect("recovery:arrear_add", debtor=debtor.pk)
        return render(request, self.template_name, {"form": form, "title": "登记欠款人"})


class DebtorEditView(WriterRequiredMixin, ScopedMixin, View):
    template_name = "recovery/debtor_form.html"

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_queryset(self):
        return Debtor.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("village")

    def get(self, request, pk):
        debtor = self.get_object()
        form = DebtorForm(instance=debtor, villages=villages_visible_to(request.user))
        return render(request, self.template_name, {"form": form, "debtor": debtor, "title": f"修改欠款人：{debtor.name}"})

    def post(self, request, pk):
        debtor = self.get_object()
        form = DebtorForm(request.POST, instance=debtor, villages=villages_visible_to(request.user))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
            try:
                services.debtor_update(debtor=debtor, updated_by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已保存欠款人 {debtor.name}。")
                return redirect(debtor)
        return render(request, self.template_name, {"form": form, "debtor": debtor, "title": f"修改欠款人：{debtor.name}"})


class ArrearListView(ObjectListView):
    queryset = Arrear.objects.select_related("debtor", "village")
    filterset_class = ArrearFilterSet
    table_class = ArrearTable
    title = "欠款"


class ArrearCreateView(WriterRequiredMixin, View):
    template_name = "recovery/arrear_form.html"

    def get_debtor(self):
        return get_object_or_404(
            Debtor.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("village__work_area__zone"),
            pk=self.kwargs["debtor"],
        )

    def get(self, request, debtor):
        debtor = self.get_debtor()
        form = ArrearForm(campaigns=_campaigns_for(debtor.village))
        return render(request, self.template_name, {"form": form, "debtor": debtor})

    def post(self, request, debtor):
        debtor = self.get_debtor()
        form = ArrearForm(request.POST, campaigns=_campaigns_for(debtor.village))
        if form.is_valid():
            try:
                arrear = services.arrear_create(debtor=debtor, created_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已登记欠款 {fmt_yuan(arrear.principal)} 元。")
                return redirect(debtor)
        return render(request, self.template_name, {"form": form, "debtor": debtor})


class ArrearEditView(WriterRequiredMixin, View):
    template_name = "recovery/arrear_edit.html"

    def get_arrear(self):
        return get_object_or_404(
            Arrear.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("debtor", "village"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, pk):
        arrear = self.get_arrear()
        form = ArrearEditForm(initial={"category": arrear.category, "description": arrear.description, "incurred_on": arrear.incurred_on})
        return render(request, self.template_name, {"form": form, "arrear": arrear})

    def post(self, request, pk):
        arrear = self.get_arrear()
        form = ArrearEditForm(request.POST)
        if form.is_valid():
            try:
                services.arrear_update(arrear=arrear, updated_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, "已保存欠款信息。")
                return redirect(arrear.debtor)
        return render(request, self.template_name, {"form": form, "arrear": arrear})


class RepaymentListView(ObjectListView):
    queryset = Repayment.objects.select_related("arrear__debtor", "arrear__village", "recorded_by", "reversal")
    village_lookup = "arrear__village"
    filterset_class = RepaymentFilterSet
    table_class = RepaymentTable
    title = "清收记录"
    add_url_name = "recovery:repayment_add"

    def get_table_kwargs(self):
        return {"can_write": can_write(self.request.user)}


class RepaymentCreateView(WriterRequiredMixin, View):
    """Fast entry: find the debtor, pick the arrear, enter the amount, save, repeat."""

    template_name = "recovery/repayment_form.html"

    def _arrears(self):
        return Arrear.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("debtor", "village")

    def _context(self, form=None, arrear=None):
        query = self.request.GET.get("q", "").strip()
        results = []
        if query and arrear is None:
            debtors = DebtorFilterSet(
                {"q": query}, queryset=Debtor.objects.filter(village__in=villages_visible_to(self.request.user)), request=self.request
            ).qs.select_related("village")[:20]
            results = list(debtors.prefetch_related("arrears"))
        return {"form": form, "arrear": arrear, "q": query, "results": results}

    def get(self, request):
        arrear = None
        if request.GET.get("arrear"):
            arrear = get_object_or_404(self._arrears(), pk=request.GET["arrear"])
        form = RepaymentForm(initial={"arrear": arrear.pk}) if arrear else None
        return render(request, self.template_name, self._context(form, arrear))

    def post(self, request):
        form = RepaymentForm(request.POST)
        arrear = None
        if form.is_valid():
            arrear = get_object_or_404(self._arrears(), pk=form.cleaned_data["arrear"])
            data = {k: v for k, v in form.cleaned_data.items() if k != "arrear"}
            try:
                repayment, created = services.repayment_create(arrear=arrear, recorded_by=request.user, **data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                arrear.refresh_from_db()
                debtor_link = format_html('<a href="{}">{}</a>', arrear.debtor.get_absolute_url(), arrear.debtor.name)
                if created:
                    messages.success(request, format_html(
                        "已录入：{} {} {} 元（{}）。该笔欠款尚欠 {} 元。",
                        debtor_link, arrear.get_category_display(), fmt_yuan(repayment.amount),
                        repayment.get_kind_display(), fmt_yuan(arrear.outstanding),
                    ))
                else:
                    messages.info(request, format_html("这张表单已经提交过，未重复录入（{} {} 元）。", debtor_link, fmt_yuan(repayment.amount)))
                return redirect("recovery:repayment_add")
        elif form.cleaned_data.get("arrear"):
            arrear = self._arrears().filter(pk=form.cleaned_data["arrear"]).first()
        return render(request, self.template_name, self._context(form, arrear))


class RepaymentReverseView(WriterRequiredMixin, View):
    template_name = "recovery/repayment_reverse.html"

    def get_repayment(self):
        return get_object_or_404(
            Repayment.objects.filter(arrear__village__in=villages_visible_to(self.request.user)).select_related("arrear__debtor", "recorded_by"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, pk):
        repayment = self.get_repayment()
        return render(request, self.template_name, {"form": ReversalForm(), "repayment": repayment})

    def post(self, request, pk):
        repayment = self.get_repayment()
        form = ReversalForm(request.POST)
        if form.is_valid():
            try:
                services.repayment_reverse(repayment=repayment, reason=form.cleaned_data["reason"], recorded_by=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"已冲正 {fmt_yuan(repayment.amount)} 元，原记录保留可查。")
                return redirect(repayment.arrear.debtor)
        return render(request, self.template_name, {"form": form, "repayment": repayment})


class WriteOffCreateView(WriterRequiredMixin, View):
    template_name = "recovery/writeoff_form.html"

    def get_arrear(self):
        return get_object_or_404(
            Arrear.objects.filter(village__in=villages_visible_to(self.request.user)).select_related("debtor", "village"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, pk):
        return render(request, self.template_name, {"form": WriteOffForm(), "arrear": self.get_arrear()})

    def post(self, request, pk):
        arrear = self.get_arrear()
        form = WriteOffForm(request.POST)
        if form.is_valid():
            try:
                write_off, created = services.writeoff_create(arrear=arrear, recorded_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                if created:
                    messages.success(request, f"已核销 {fmt_yuan(write_off.amount)} 元（{write_off.approval_reference}）。")
                return redirect(arrear.debtor)
        return render(request, self.template_name, {"form": form, "arrear": arrear})

