from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from audit.downloads import download_log
from audit.models import DownloadKind
from villages.models import Village

from .exports import XlsxTableExport
from .forms import apply_service_errors, parse_id
from .money import fmt_yuan
from .roles import Role, can_write, user_role


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


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (the list's totals query counted them), so
    it runs no COUNT of its own."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


class ObjectListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """A list page: filters, the totals of the filtered rows, a paginated table, and an
    .xlsx export of the filtered rows.

    ``totals``: the amounts summed over the filtered rows, shown above the table beside the
    count, ``{name: (label, aggregate)}`` (``{"principal": ("欠款金额", Sum("principal"))}``);
    count and sums are one query, whose count the table's paginator reuses: a list counts
    its rows once. The export builds only its own unpaginated table: no count, no totals.
    """

    template_name = "core/object_list.html"
    export_class = XlsxTableExport
    export_formats = (XlsxTableExport.XLSX,)
    # Only the table paginates (per_page); FilterView's own paging would count the rows again.
    paginate_by = None
    per_page = 50
    totals = {}
    title = ""
    add_url_name = None

    def get(self, request, *args, **kwargs):
        # Asking for a village one may not see (a cadre of another village, say) is a 404,
        # for the page and its export alike, not a silently empty list.
        village = request.GET.get("village")
        if village and not Village.objects.visible_to(request.user).filter(pk=parse_id(village) or 0).exists():
            raise Http404("没有找到该村居。")
        return super().get(request, *args, **kwargs)

    def exporting(self):
        return self.export_class.is_valid_format(self.request.GET.get(self.export_trigger_param))

    def get_totals(self):
        """{"count": n, name: amount, ...} of the filtered rows, in one query."""
        if not hasattr(self, "_totals"):
            # Aliased apart from the queryset's own annotations: aggregate(baseline=Sum("baseline"))
            # would replace the annotation it sums.
            figures = self.object_list.aggregate(
                _count=Count("pk"), **{f"_total_{name}": aggregate for name, (_label, aggregate) in self.totals.items()},
            )
            self._totals = {"count": figures["_count"], **{name: figures[f"_total_{name}"] for name in self.totals}}
        return self._totals

    def get_table_pagination(self, table):
        if self.exporting():
            return False
        return {"per_page": self.per_page, "paginator_class": CountedPaginator, "count": self.get_totals()["count"]}

    def get_export_filename(self, export_format):
        return f"{self.title}.{export_format}"

    def create_export(self, export_format):
        response = super().create_export(export_format)
        download_log(self.request, kind=DownloadKind.LIST_EXPORT, filename=self.get_export_filename(export_format))
        return response

    def get_dataset_kwargs(self):
        return {"title": self.title}

    def get_context_data(self, **kwargs):
        if self.exporting():
            return kwargs  # render_to_response sends the export, which builds its own table
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["add_url_name"] = self.add_url_name if can_write(self.request.user) else None
        figures = self.get_totals()
        context["row_count"] = figures["count"]
        context["totals"] = [(label, fmt_yuan(figures[name])) for name, (label, _aggregate) in self.totals.items()]
        context["sort_field"], context["sort_choices"] = sort_choices(context["table"], self.request.GET)
        context["filters_selected"] = filters_selected(self.filterset)
        context["filtered"] = is_filtered(self.filterset)
        query = self.request.GET.copy()
        query.pop("page", None)
        query["_export"] = "xlsx"
        context["export_query"] = query.urlencode()
        return context


def sort_choices(table, query):
    """The table's orderings as choices, for the sort picker that stands in for the column
    headers on a phone (the cards have none): (field name, [(value, label, selected)])."""
    field = table.prefixed_order_by_field
    current = query.get(field, "")
    choices = [("", "默认顺序")]
    for column in table.columns.iterorderable():
        if column.visible:
            choices += [(column.name, f"{column.header} 从小到大"), (f"-{column.name}", f"{column.header} 从大到小")]
    return field, [(value, label, value == current) for value, label in choices]


def _has_value(field):
    value = field.value()
    return any(v not in (None, "") for v in (value if isinstance(value, (list, tuple)) else [value]))


def filters_selected(filterset):
    """How many of the folded filter fields (all visible ones but the search box) have a value."""
    if not filterset.is_bound:
        return 0
    return sum(_has_value(field) for field in filterset.form.visible_fields() if field.name != "q")


def is_filtered(filterset):
    """Whether any filter, the search box and hidden ones included, narrows the list."""
    return filterset.is_bound and any(_has_value(field) for field in filterset.form)


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


class VillageChoiceMixin:
    """A form whose ``villages`` argument is the villages the user may see (its village
    picker); with ``preselect_village``, ``?village=<id>`` picks one to begin with."""

    preselect_village = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "villages": Village.objects.visible_to(self.request.user)}

    def get_initial(self):
        initial = super().get_initial()
        if self.preselect_village:
            initial["village"] = self.request.GET.get("village")
        return initial


BREAKS_SHOWN = 10
"""The breaks of the last verification listed on an administrator's home page."""


class HomeView(LoginRequiredMixin, TemplateView):
    """The dashboard: a cadre's village, or the township's progress for leaders and staff
    (reports.selectors: figures now = the latest published report + what was recorded since)."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from reports.selectors import cadre_dashboard, township_dashboard

        context = super().get_context_data(**kwargs)
        user = self.request.user
        role = user_role(user)
        context["role_value"] = role.value
        if role == Role.CADRE:
            context.update(cadre_dashboard(user=user))
        elif role != Role.NONE:
            context.update(township_dashboard(villages=Village.objects.visible_to(user)))
        if role != Role.NONE:
            from contracts.models import Contract
            from contracts.selectors import contract_alert_counts

            context["contract_alerts"] = contract_alert_counts(Contract.objects.visible_to(user))
        if role == Role.ADMIN:
            from integrity.selectors import last_verification

            verification = last_verification()
            context.update(
                show_verification=True, verification=verification,
                verification_breaks=verification.breaks[:BREAKS_SHOWN] if verification else [],
            )
        return context


class LoginView(auth_views.LoginView):
    """Django's login; on an installation with no township and no user yet it sends the
    visitor to the first-run page instead (onboarding), where the first login is made."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        from onboarding.selectors import first_run_open

        if first_run_open():
            return redirect("onboarding:first_run")
        return super().get(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, in the product's page. A user who had to change a password
    someone else set (``User.must_change_password``) is told so, and once it is changed the
    flag is cleared (in the same save as the new password) and they go on to the home page."""

    template_name = "core/password_change.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        return context

    def form_valid(self, form):
        forced = form.user.must_change_password
        form.user.must_change_password = False
        response = super().form_valid(form)
        if forced:
            messages.success(self.request, "密码已修改，请记住新密码。")
            return redirect("home")
        return response
