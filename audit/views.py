from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from core.roles import Role, user_role
from core.views import ObjectListView

from .filtersets import ChangeFilterSet, DownloadFilterSet, LoginFilterSet
from .models import DownloadLog
from .selectors import AUDITED, DEFAULT_AUDITED, change_history
from .tables import ChangeTable, DownloadTable, LoginFailureTable, LoginTable


class AuditAccessMixin(LoginRequiredMixin):
    """The audit trail is read by administrators only (others: 403); nobody changes it."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) != Role.ADMIN:
            raise PermissionDenied("只有管理员可以查看审计记录。")
        return super().dispatch(request, *args, **kwargs)


class AuditListView(AuditAccessMixin, ObjectListView):
    """A read-only audit list: filters, count, table, Excel export (of the whole trail, not
    one township's rows: no ``visible_to``)."""

    template_name = "audit/audit_list.html"
    base_queryset = None

    def get_queryset(self):
        return self.base_queryset.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.exporting():
            context["audit_page"] = self.audit_page
        return context


class ChangeListView(AuditListView):
    filterset_class = ChangeFilterSet
    table_class = ChangeTable
    title = "修改记录"
    audit_page = "changes"

    def audited_key(self):
        key = self.request.GET.get("model") or DEFAULT_AUDITED
        return key if key in AUDITED else DEFAULT_AUDITED

    def get_queryset(self):
        return change_history(self.audited_key())

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["audited_key"] = self.audited_key()
        if kwargs["data"] is not None and "model" not in kwargs["data"]:
            kwargs["data"] = kwargs["data"].copy()
            kwargs["data"]["model"] = DEFAULT_AUDITED
        return kwargs

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "audited": AUDITED[self.audited_key()]}


class LoginListView(AuditListView):
    base_queryset = AccessLog.objects.order_by("-attempt_time")
    filterset_class = LoginFilterSet
    table_class = LoginTable
    title = "登录记录"
    audit_page = "logins"


class LoginFailureListView(AuditListView):
    base_queryset = AccessFailureLog.objects.order_by("-attempt_time")
    filterset_class = LoginFilterSet
    table_class = LoginFailureTable
    title = "登录失败记录"
    audit_page = "login_failures"


class DownloadListView(AuditListView):
    base_queryset = DownloadLog.objects.select_related("user").order_by("-at", "-pk")
    filterset_class = DownloadFilterSet
    table_class = DownloadTable
    title = "下载记录"
    audit_page = "downloads"
