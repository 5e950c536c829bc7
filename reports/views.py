from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.gzip import gzip_page
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from audit.downloads import download_log
from audit.models import DownloadKind
from core.roles import Role, user_role
from core.views import ObjectListView, ScopedDetailView, ScopedMixin, ServiceFormView

from . import services
from .filtersets import ReportFilterSet
from .forms import RebuildForm
from .models import Report
from .selectors import latest_report_page, report_pages, report_rebuild_latest, report_versions
from .snapshot import village_row_from_json
from .tables import ReportTable


def _report_context(request, report):
    """The page around the report's stored sections: a cadre's own village's row, for the
    card at the top and the highlight in the tables, comes from the stored summary alone."""
    if report is not None and not report.sections_html:
        services.report_page_store(report=report)
        report = report_pages(Report.objects.select_related("campaign__township"), village_id=request.user.village_id).get(pk=report.pk)
    page_row = getattr(report, "page_row", None)
    can_rebuild = user_role(request.user) == Role.ADMIN
    return {
        "my_row": village_row_from_json(page_row) if page_row else None,
        "report": report,
        "versions": report_versions(report=report, user=request.user) if report else [],
        "can_rebuild": can_rebuild,
        # An administrator sees what became of the last rebuild asked from this version.
        "rebuild": report_rebuild_latest(report=report) if can_rebuild and report and report.is_current else None,
    }


# A report page is half a megabyte of HTML at county scale (960 villages), most of it the same
# table rows: compressed it is about a tenth of that, which a cadre's phone on a slow network
# feels. Its CSRF token is masked afresh on every response and nothing the request sends is
# written back into the page, so compression gives nothing away (BREACH).
gzipped = method_decorator(gzip_page, name="dispatch")


@gzipped
class RankingView(LoginRequiredMixin, TemplateView):
    """The latest published ranking; a cadre's own village is highlighted."""

    template_name = "reports/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = latest_report_page(self.request.user)
        context.update(_report_context(self.request, report))
        context["is_latest"] = True
        return context


@gzipped
class ReportView(ScopedDetailView):
    queryset = Report.objects.select_related("campaign__township")
    template_name = "reports/report_detail.html"

    def get_queryset(self):
        return report_pages(super().get_queryset(), village_id=self.request.user.village_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_report_context(self.request, self.object))
        return context


class ReportListView(ObjectListView):
    queryset = Report.objects.select_related("campaign__township").order_by("-day", "-version")
    filterset_class = ReportFilterSet
    table_class = ReportTable
    title = "战报存档"


class _ReportFileView(ScopedMixin, SingleObjectMixin, View):
    model = Report
    field = ""
    extension = ""

    def get(self, request, pk):
        report = self.get_object()
        handle = getattr(report, self.field).open("rb")
        download_log(request, kind=DownloadKind.REPORT, filename=report.filename(self.extension), obj=report)
        return FileResponse(handle, as_attachment=True, filename=report.filename(self.extension))


class ReportPdfView(_ReportFileView):
    field, extension = "pdf", "pdf"


class ReportXlsxView(_ReportFileView):
    field, extension = "xlsx", "xlsx"


class ReportRebuildView(ServiceFormView):
    """An administrator's explicit rebuild of a published day, with a reason; queued to
    the worker, which adds a new version beside the old one."""

    queryset = Report.objects.select_related("campaign__township")
    form_class = RebuildForm
    template_name = "reports/report_rebuild.html"
    success_message = "已提交重新生成，新版本生成后会出现在下方版本列表中，旧版本保留可下载。"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) != Role.ADMIN:
            raise PermissionDenied("只有管理员可以重新生成已发布的战报。")
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return services.report_rebuild_request(report=self.object, reason=form.cleaned_data["reason"], requested_by=self.request.user)
