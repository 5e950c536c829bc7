from django.contrib import messages
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from core.forms import parse_id
from core.money import fmt_yuan
from core.roles import can_write
from core.views import ObjectListView, ScopedDetailView, ServiceFormView, VillageChoiceMixin, WriterRequiredMixin

from . import selectors, services
from .filtersets import ArrearFilterSet, DebtorFilterSet, RepaymentFilterSet
from .forms import ArrearEditForm, ArrearForm, DebtorForm, RepaymentForm, ReversalForm, WriteOffForm
from .models import Arrear, Debtor, Repayment
from .tables import ArrearTable, DebtorTable, RepaymentTable


class DebtorListView(ObjectListView):
    queryset = selectors.debtors_with_totals(Debtor.objects.all())
    filterset_class = DebtorFilterSet
    table_class = DebtorTable
    totals = {"principal": ("欠款金额", Sum("principal_total")), "outstanding": ("尚欠金额", Sum("outstanding_total"))}
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


class DebtorCreateView(WriterRequiredMixin, VillageChoiceMixin, ServiceFormView):
    form_class = DebtorForm
    template_name = "recovery/debtor_form.html"
    title = "登记欠款人"

    preselect_village = True

    def perform(self, form):
        data = dict(form.cleaned_data)
        return services.debtor_create(village=data.pop("village"), created_by=self.request.user, **data)

    def get_success_message(self, debtor):
        return f"已登记欠款人 {debtor.name}，请继续登记其欠款。"

    def get_success_url(self):
        return reverse("recovery:arrear_add", kwargs={"debtor": self.result.pk})


class DebtorEditView(WriterRequiredMixin, VillageChoiceMixin, ServiceFormView):
    queryset = Debtor.objects.select_related("village")
    form_class = DebtorForm
    template_name = "recovery/debtor_form.html"

    def get_title(self):
        return f"修改欠款人：{self.object.name}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "village"}
        return services.debtor_update(debtor=self.object, updated_by=self.request.user, **data)

    def get_success_message(self, debtor):
        return f"已保存欠款人 {debtor.name}。"


class ArrearListView(ObjectListView):
    queryset = Arrear.objects.select_related("debtor", "village")
    filterset_class = ArrearFilterSet
    table_class = ArrearTable
    totals = {"principal": ("欠款金额", Sum("principal")), "outstanding": ("尚欠金额", Sum("outstanding"))}
    title = "欠款"


class ArrearCreateView(WriterRequiredMixin, ServiceFormView):
    """A new arrear of the debtor named in the URL; back to the debtor's page."""

    queryset = Debtor.objects.select_related("village__work_area__zone")
    pk_url_kwarg = "debtor"
    form_class = ArrearForm
    template_name = "recovery/arrear_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaigns": selectors.active_campaigns(village=self.object.village)}

    def perform(self, form):
        return services.arrear_create(debtor=self.object, created_by=self.request.user, **form.cleaned_data)

    def get_success_message(self, arrear):
        return f"已登记欠款 {fmt_yuan(arrear.principal)} 元。"


class ArrearEditView(WriterRequiredMixin, ServiceFormView):
    queryset = Arrear.objects.select_related("debtor", "village")
    form_class = ArrearEditForm
    template_name = "recovery/arrear_edit.html"
    success_message = "已保存欠款信息。"

    def get_initial(self):
        arrear = self.object
        return {"category": arrear.category, "description": arrear.description, "incurred_on": arrear.incurred_on}

    def perform(self, form):
        return services.arrear_update(arrear=self.object, updated_by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.debtor.get_absolute_url()


class RepaymentListView(ObjectListView):
    queryset = Repayment.objects.select_related("arrear__debtor", "arrear__village", "recorded_by", "reversal")
    filterset_class = RepaymentFilterSet
    table_class = RepaymentTable
    totals = {"amount": ("金额合计（不含已冲正）", Sum("amount", filter=Q(reversal__isnull=True)))}
    title = "清收记录"
    add_url_name = "recovery:repayment_add"

    def get_table_kwargs(self):
        return {"can_write": can_write(self.request.user)}


class RepaymentCreateView(WriterRequiredMixin, ServiceFormView):
    """Fast entry: find the debtor, pick the arrear, enter the amount, save, repeat."""

    form_class = RepaymentForm
    template_name = "recovery/repayment_form.html"

    def arrears(self):
        return Arrear.objects.visible_to(self.request.user).select_related("debtor", "village")

    def get(self, request, *args, **kwargs):
        self.object = None
        self.arrear = None
        if request.GET.get("arrear"):
            self.arrear = get_object_or_404(self.arrears(), pk=parse_id(request.GET["arrear"]) or 0)
        return self.render_to_response(self.get_context_data(form=self.get_form() if self.arrear else None))

    def post(self, request, *args, **kwargs):
        self.arrear = None
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"arrear": self.arrear.pk} if self.arrear else {}

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").replace("\x00", "").strip()  # PostgreSQL text holds no NUL
        results = []
        if query and self.arrear is None:
            results = list(selectors.debtors_matching(
                Debtor.objects.visible_to(self.request.user), text=query, identity=can_write(self.request.user),
            ).select_related("village")[:20].prefetch_related("arrears"))
        return super().get_context_data(arrear=self.arrear, q=query, results=results, **kwargs)

    def perform(self, form):
        self.arrear = get_object_or_404(self.arrears(), pk=form.cleaned_data["arrear"])
        data = {k: v for k, v in form.cleaned_data.items() if k != "arrear"}
        return services.repayment_create(arrear=self.arrear, recorded_by=self.request.user, **data)

    def form_invalid(self, form):
        if self.arrear is None and form.cleaned_data.get("arrear"):
            self.arrear = self.arrears().filter(pk=form.cleaned_data["arrear"]).first()
        return super().form_invalid(form)

    def notify(self, result):
        repayment, created = result
        arrear = self.arrear  # its outstanding as the service left it, its debtor as loaded with it
        debtor_link = format_html('<a href="{}">{}</a>', arrear.debtor.get_absolute_url(), arrear.debtor.name)
        if created:
            messages.success(self.request, format_html(
                "已录入：{} {} {} 元（{}）。该笔欠款尚欠 {} 元。",
                debtor_link, arrear.get_category_display(), fmt_yuan(repayment.amount),
                repayment.get_kind_display(), fmt_yuan(arrear.outstanding),
            ))
        else:
            messages.info(self.request, format_html("这张表单已经提交过，未重复录入（{} {} 元）。", debtor_link, fmt_yuan(repayment.amount)))

    def get_success_url(self):
        return reverse("recovery:repayment_add")


class RepaymentReverseView(WriterRequiredMixin, ServiceFormView):
    queryset = Repayment.objects.select_related("arrear__debtor", "recorded_by")
    form_class = ReversalForm
    template_name = "recovery/repayment_reverse.html"

    def perform(self, form):
        return services.repayment_reverse(repayment=self.object, reason=form.cleaned_data["reason"], recorded_by=self.request.user)

    def get_success_message(self, reversal):
        return f"已冲正 {fmt_yuan(self.object.amount)} 元，原记录保留可查。"

    def get_success_url(self):
        return self.object.arrear.debtor.get_absolute_url()


class WriteOffCreateView(WriterRequiredMixin, ServiceFormView):
    queryset = Arrear.objects.select_related("debtor", "village")
    form_class = WriteOffForm
    template_name = "recovery/writeoff_form.html"

    def perform(self, form):
        return services.writeoff_create(arrear=self.object, recorded_by=self.request.user, **form.cleaned_data)

    def get_success_message(self, result):
        write_off, created = result
        return f"已核销 {fmt_yuan(write_off.amount)} 元（{write_off.approval_reference}）。" if created else ""

    def get_success_url(self):
        return self.object.debtor.get_absolute_url()
