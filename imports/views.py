from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from openpyxl.utils import get_column_letter

from audit.downloads import download_log
from audit.models import DownloadKind
from core.exports import XLSX_CONTENT_TYPE, workbook_response
from core.roles import Role, can_write, user_role
from core.views import ObjectListView, ServiceFormView, WriterRequiredMixin

from . import services
from .filtersets import ImportBatchFilterSet
from .forms import ImportUploadForm
from .ledgers import is_kind, kind_choices, ledger_kind
from .models import ImportBatch
from .selectors import import_batch_last_seen, import_batch_progress
from .tables import ImportBatchTable
from .workbooks import template_workbook


class ImportAccessMixin(LoginRequiredMixin):
    """Imports hold debtors of every village of a township: staff, leaders (reading) and
    administrators of that township only; cadres get 403, other townships' batches 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) not in (Role.STAFF, Role.LEADER, Role.ADMIN):
            raise PermissionDenied("只有经管中心、领导和管理员可以查看台账导入。")
        return super().dispatch(request, *args, **kwargs)

    def batches(self):
        return ImportBatch.objects.visible_to(self.request.user)

    def get_batch(self):
        return get_object_or_404(self.batches().select_related("uploaded_by", "confirmed_by", "campaign", "township"), pk=self.kwargs["pk"])


class ImportBatchListView(ImportAccessMixin, ObjectListView):
    model = ImportBatch
    filterset_class = ImportBatchFilterSet
    table_class = ImportBatchTable
    template_name = "imports/importbatch_list.html"
    title = "台账导入"
    add_url_name = "imports:batch_add"

    def get_queryset(self):
        return self.batches().select_related("uploaded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["add_label"] = "上传台账"
        context["kinds"] = kind_choices()
        return context


class ImportTemplateView(ImportAccessMixin, View):
    """The blank template of a kind of ledger, with its example row."""

    def get(self, request, kind):
        if not is_kind(kind):
            raise Http404("没有这种模板。")
        spec = ledger_kind(kind)
        return workbook_response(template_workbook(spec), f"{spec.label}导入模板.xlsx")


class ImportUploadView(WriterRequiredMixin, ImportAccessMixin, ServiceFormView):
    form_class = ImportUploadForm
    template_name = "imports/importbatch_form.html"
    title = "上传台账"

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "arrears")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        data = form.cleaned_data
        return services.import_batch_create(
            kind=data["kind"], township=data["township"], campaign=data["campaign"],
            upload=data["file"], uploaded_by=self.request.user,
        )


STALLED_AFTER = timedelta(minutes=5)


class ImportBatchView(ImportAccessMixin, View):
    """One upload: progress while it is checked or imported, then its errors, its preview
    with the confirm button, or its receipt. Reopening the page later shows where it is."""

    template_name = "imports/importbatch_detail.html"

    def get(self, request, pk):
        batch = self.get_batch()
        progress = import_batch_progress(batch=batch)
        percent = None
        if progress and progress["total"]:
            percent = min(100, round(100 * progress["done"] / progress["total"]))
        quiet = timezone.now() - import_batch_last_seen(batch=batch, progress=progress)
        stalled = batch.in_progress and quiet > STALLED_AFTER
        receipt_links = [
            (label, f"{reverse(name)}?import_batch={batch.pk}") for label, name in batch.receipt.get("links", [])
        ]
        return render(request, self.template_name, {
            "batch": batch, "title": f"台账导入第 {batch.pk} 批", "progress": progress, "percent": percent, "stalled": stalled,
            "quiet_minutes": int(quiet.total_seconds() // 60),
            "receipt_links": receipt_links, "can_write": can_write(request.user),
            "problem_rows": [
                {**problem, "letter": get_column_letter(problem["column"] + 1) if problem["column"] is not None else ""}
                for problem in batch.problems
            ], "hidden_problems": max(0, batch.error_count - len(batch.problems)),
        })


class ImportBatchActionView(WriterRequiredMixin, ImportAccessMixin, View):
    """POST only: confirm (queue the import; again after an interruption) or discard a batch."""

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
    """The uploaded file as it was, or the copy with the bad cells marked: raw ledgers with
    full ID numbers and phones, so staff and administrators only (leaders: 403); each
    download is logged (audit)."""

    annotated = False

    def get(self, request, pk):
        if not can_write(request.user):
            raise PermissionDenied("台账原件含完整身份证号和电话，只有经管中心录入员和管理员可以下载。")
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
        download_log(request, kind=DownloadKind.IMPORT_ERRORS if self.annotated else DownloadKind.IMPORT_FILE, filename=name, obj=batch)
        return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
