from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from openpyxl.utils import get_column_letter
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from villages.models import Village
from villages.selectors import townships_visible_to

from . import services
from .exports import XLSX_CONTENT_TYPE, XlsxTableExport, workbook_response
from .filtersets import ImportBatchFilterSet
from .forms import ImportUploadForm, apply_service_errors
from .importing import ledger_kind, template_workbook
from .models import ImportBatch, ImportKind
from .roles import Role, can_write, user_role
from .tables import ImportBatchTable


class ScopedMixin(LoginRequiredMixin):
    """Limits the view's queryset to the rows the user may see (the model's
    ``objects.visible_to(user)``, villages/models.py); asking for another row is a 404."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class WriterRequiredMixin(LoginRequiredMixin):
    """Only township staff and administrators may enter or change ledger data (403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_write(request.user):
            raise PermissionDenied("只有经管中心录入员和管理员可以录入或修改。")
        return super().dispatch(request, *args, **kwargs)


class ObjectListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """A list page: filters, a paginated table, and an .xlsx export of the filtered rows."""

    template_name = "core/object_list.html"
    export_class = XlsxTableExport
    export_formats = (XlsxTableExport.XLSX,)
    paginate_by = 50
    title = ""
    add_url_name = None

    def get(self, request, *args, **kwargs):
        # Asking for a village one may not see (a cadre of another village, say) is a 404,
        # for the page and its export alike, not a silently empty list.
        village = request.GET.get("village")
        if village and not Village.objects.visible_to(request.user).filter(pk=village if village.isdigit() else 0).exists():
            raise Http404("没有找到该村居。")
        return super().get(request, *args, **kwargs)

    def get_export_filename(self, export_format):
        return f"{self.title}.{export_format}"

    def get_dataset_kwargs(self):
        return {"title": self.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["add_url_name"] = self.add_url_name if can_write(self.request.user) else None
        query = self.request.GET.copy()
        query.pop("page", None)
        query["_export"] = "xlsx"
        context["export_query"] = query.urlencode()
        return context


class ScopedDetailView(ScopedMixin, DetailView):
    pass


class ServiceFormView(ScopedMixin, SingleObjectMixin, FormView):
    """A form whose cleaned data goes to a service: GET shows the form; a valid POST calls
    ``perform(form)``, which calls the service and returns what it made (``self.result``).
    A ``ValidationError`` from the service lands on the form's fields and the form is shown
    again; otherwise ``get_success_message(result)`` is shown on the next page, the one of
    ``get_success_url()`` (by default the page of ``self.object``, else of the result).

    With ``model`` (or ``queryset``) set, the URL names one object (``pk_url_kwarg``) among
    those the user may see (``visible_to``), else 404: ``self.object``, in the template under
    the model's name ("debtor", "contract"...).
    """

    title = ""
    success_message = ""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_object(self, queryset=None):
        if self.model is None and self.queryset is None:
            return None
        return super().get_object(queryset)

    def get_title(self):
        return self.title

    def get_context_data(self, **kwargs):
        title = self.get_title()
        if title:
            kwargs.setdefault("title", title)
        return super().get_context_data(**kwargs)

    def perform(self, form):
        """Call the service with the form's cleaned data; return what it made."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.form_invalid(form)
        self.notify(self.result)
        return HttpResponseRedirect(self.get_success_url())

    def notify(self, result):
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)

    def get_success_message(self, result):
        return self.success_message

    def get_success_url(self):
        if self.success_url:
            return str(self.success_url)
        return (self.object if self.object is not None else self.result).get_absolute_url()


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from recovery.selectors import township_totals, village_figures

        context = super().get_context_data(**kwargs)
        user = self.request.user
        role = user_role(user)
        context["role_value"] = role.value
        if role == Role.CADRE:
            figures = village_figures(villages=Village.objects.ranking_visible_to(user))
            ranked = [f for f in figures if f.baseline > 0]
            context["village"] = user.village
            context["my"] = next((f for f in figures if f.village.pk == user.village_id), None)
            context["ranked_count"] = len(ranked)
        else:
            context["totals"] = township_totals(villages=Village.objects.visible_to(user))
        if role != Role.NONE:
            from contracts.models import Contract
            from contracts.selectors import contract_alert_counts

            context["contract_alerts"] = contract_alert_counts(Contract.objects.visible_to(user))
        return context



# ---- ledger imports ----------------------------------------------------------------------

class ImportAccessMixin(LoginRequiredMixin):
    """Imports hold debtors of every village of a township: staff, leaders (reading) and
    administrators of that township only; cadres get 403, other townships' batches 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) not in (Role.STAFF, Role.LEADER, Role.ADMIN):
            raise PermissionDenied("只有经管中心、领导和管理员可以查看台账导入。")
        return super().dispatch(request, *args, **kwargs)

    def batches(self):
        return ImportBatch.objects.filter(township__in=townships_visible_to(self.request.user))

    def get_batch(self):
        return get_object_or_404(self.batches().select_related("uploaded_by", "confirmed_by", "campaign", "township"), pk=self.kwargs["pk"])


class ImportBatchListView(ImportAccessMixin, ObjectListView):
    model = ImportBatch
    filterset_class = ImportBatchFilterSet
    table_class = ImportBatchTable
    template_name = "core/importbatch_list.html"
    title = "台账导入"
    add_url_name = "import_add"

    def get_queryset(self):
        return self.batches().select_related("uploaded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["add_label"] = "上传台账"
        context["kinds"] = ImportKind.choices
        return context


class ImportTemplateView(ImportAccessMixin, View):
    """The blank template of a kind of ledger, with its example row."""

    def get(self, request, kind):
        if kind not in ImportKind.values:
            raise Http404("没有这种模板。")
        return workbook_response(template_workbook(ledger_kind(kind)), f"{ImportKind(kind).label}导入模板.xlsx")


class ImportUploadView(WriterRequiredMixin, ImportAccessMixin, View):
    template_name = "core/importbatch_form.html"

    def get(self, request):
        form = ImportUploadForm(user=request.user, initial={"kind": request.GET.get("kind", "arrears")})
        return render(request, self.template_name, {"form": form, "title": "上传台账"})

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.import_batch_create(
                    kind=data["kind"], township=data["township"], campaign=data["campaign"],
                    upload=data["file"], uploaded_by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect(batch)
        return render(request, self.template_name, {"form": form, "title": "上传台账"})


STALLED_AFTER = timedelta(minutes=5)


class ImportBatchView(ImportAccessMixin, View):
    """One upload: progress while it is checked or imported, then its errors, its preview
    with the confirm button, or its receipt. Reopening the page later shows where it is."""

    template_name = "core/importbatch_detail.html"

    def get(self, request, pk):
        batch = self.get_batch()
        progress = cache.get(services.progress_key(batch)) if batch.in_progress else None
        percent = None
        if progress and progress["total"]:
            percent = min(100, round(100 * progress["done"] / progress["total"]))
        started = batch.confirmed_at or batch.uploaded_at
        stalled = batch.in_progress and progress is None and timezone.now() - started > STALLED_AFTER
        receipt_links = [
            (label, f"{reverse(name)}?import_batch={batch.pk}") for label, name in batch.receipt.get("links", [])
        ]
        return render(request, self.template_name, {
            "batch": batch, "title": f"台账导入第 {batch.pk} 批", "progress": progress, "percent": percent, "stalled": stalled,
            "receipt_links": receipt_links, "can_write": can_write(request.user),
            "problem_rows": [
                {**problem, "letter": get_column_letter(problem["column"] + 1) if problem["column"] is not None else ""}
                for problem in batch.problems
            ], "hidden_problems": max(0, batch.error_count - len(batch.problems)),
        })


class ImportBatchActionView(WriterRequiredMixin, ImportAccessMixin, View):
    """POST only: confirm (queue the import) or discard a batch."""

    action = None

    def post(self, request, pk):
        batch = self.get_batch()
        try:
            if self.action == "confirm":
                services.import_batch_confirm(batch=batch, confirmed_by=request.user)
                messages.success(request, "已开始导入，可以关闭本页，稍后在“台账导入”中查看结果。")
            else:
                services.import_batch_discard(batch=batch, discarded_by=request.user)
                messages.success(request, "已放弃本批导入，没有写入任何数据。")
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        return redirect(batch)


class ImportFileView(ImportAccessMixin, View):
    """The uploaded file as it was, or the copy with the bad cells marked."""

    annotated = False

    def get(self, request, pk):
        batch = self.get_batch()
        field = batch.error_file if self.annotated else batch.file
        if not field:
            raise Http404("没有该文件。")
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在。")
        stem = batch.original_name.removesuffix(".xlsx").removesuffix(".XLSX")
        name = f"{stem}-错误标注.xlsx" if self.annotated else batch.original_name
        return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
