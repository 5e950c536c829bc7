from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from core.forms import apply_service_errors
from core.roles import Role, user_role
from core.views import ObjectListView

from .filtersets import ReportFilterSet
from .forms import RebuildForm
from .selectors import latest_report_for, reports_visible_to
from .tables import ReportTable


def _my_row(request, report):
    """A cadre's own village in the report, for the card at the top of the page."""
    if report is None or not request.user.village_id:
        return None
    snapshot = report.snapshot
    return next((r for r in snapshot.villages + snapshot.unranked if r.village_id == request.user.village_id), None)


def _report_context(request, report):
    return {
        "my_row": _my_row(request, report),
        "report": report,
        "snapshot": report.snapshot if report else None,
        "highlight_village_id": request.user.village_id,
        "versions": list(reports_visible_to(request.user).filter(campaign=report.campaign, day=report.day).order_by("version")) if report else [],
        "can_rebuild": user_role(request.user) == Role.ADMIN,
    }


class RankingView(LoginRequiredMixin, TemplateView):
    """The latest published ranking; a cadre's own village is highlighted."""

    template_name = "reports/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_report_context(self.request, latest_report_for(self.request.user)))
        context["is_latest"] = True
        return context


class ReportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        report = get_object_or_404(reports_visible_to(request.user), pk=pk)
        return render(request, "reports/report_detail.html", _report_context(request, report))


class ReportListView(ObjectListView):
    queryset = None
    filterset_class = ReportFilterSet
    table_class = ReportTable
    title = "战报存档"

    def get_queryset(self):
        return reports_visible_to(self.request.user).order_by("-day", "-version")


class _ReportFileView(LoginRequiredMixin, View):
    field = ""
    extension = ""

    def get(self, request, pk):
        report = get_object_or_404(reports_visible_to(request.user), pk=pk)
        return FileResponse(getattr(report, self.field).open("rb"), as_attachment=True, filename=report.filename(self.extension))


class ReportPdfView(_ReportFileView):
    field, extension = "pdf", "pdf"


class ReportXlsxView(_ReportFileView):
    field, extension = "xlsx", "xlsx"


class ReportRebuildView(LoginRequiredMixin, View):
    """An administrator's explicit rebuild of a published day, with a reason; queued to
    the worker, which adds a new version beside the old one."""

    template_name = "reports/report_rebuild.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) != Role.ADMIN:
            raise PermissionDenied("只有管理员可以重新生成已发布的战报。")
        return super().dispatch(request, *args, **kwargs)

    def get_report(self):
        return get_object_or_404(reports_visible_to(self.request.user), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return render(request, self.template_name, {"report": self.get_report(), "form": RebuildForm()})

    def post(self, request, pk):
        from .tasks import rebuild_report

        report = self.get_report()
        form = RebuildForm(request.POST)
        if form.is_valid():
            try:
                if not report.is_current:
                    raise ValidationError({"reason": "只能基于当前版本重新生成。"})
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                args = (report.campaign_id, report.day.isoformat(), form.cleaned_data["reason"], request.user.pk)
                transaction.on_commit(lambda: rebuild_report.delay(*args))
                messages.success(request, "已提交重新生成，新版本生成后会出现在下方版本列表中，旧版本保留可下载。")
                return redirect(report)
        return render(request, self.template_name, {"report": report, "form": form})
