import base64

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from core.forms import apply_service_errors
from core.models import User
from core.roles import GROUP_NAMES, Role
from core.views import WriterRequiredMixin
from villages.models import Township, Village

from .forms import CadreAccountsForm, FirstRunForm
from .pdf import cadre_accounts_pdf
from .selectors import first_run_open
from .services import cadre_accounts_create, cadre_username, township_start


class FirstRunView(FormView):
    """The first page of an empty installation: the township and its administrator. Open to
    anyone, only while there is no township and no user; then it sends everyone to login."""

    form_class = FirstRunForm
    template_name = "onboarding/first_run.html"

    def dispatch(self, request, *args, **kwargs):
        if not first_run_open():
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = township_start(
                township_name=data["township_name"], township_code=data["township_code"],
                username=data["username"], display_name=data["display_name"], password=data["password1"],
            )
        except PermissionDenied:
            return redirect("login")
        except ValidationError as error:
            apply_service_errors(form, _rename_fields(error))
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"已创建{user.township}和管理员“{user.username}”。下面导入组织架构。")
        return redirect("onboarding:start")


def _rename_fields(error):
    """The model's field names -> the form's (the service validates the models)."""
    if not hasattr(error, "error_dict"):
        return error
    names = {"code": "township_code", "name": "township_name", "password": "password1"}
    return ValidationError({names.get(name, name): errors for name, errors in error.error_dict.items()})


class StartView(WriterRequiredMixin, TemplateView):
    """A township's first day, step by step: the structure, the cadres' logins, the ledgers."""

    template_name = "onboarding/start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        villages = Village.objects.visible_to(self.request.user)
        context.update(
            title="开始使用", village_count=villages.count(),
            cadre_count=User.objects.filter(village__in=villages, groups__name=GROUP_NAMES[Role.CADRE]).count(),
            townships=Township.objects.visible_to(self.request.user),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class CadreAccountsView(WriterRequiredMixin, FormView):
    """Make the cadres' logins for the villages chosen (all that have none, to begin with),
    then show their initial passwords once, with the sheet to print (PDF)."""

    form_class = CadreAccountsForm
    template_name = "onboarding/cadre_accounts.html"

    def villages(self):
        cadres = User.objects.filter(village=OuterRef("pk"), groups__name=GROUP_NAMES[Role.CADRE])
        return (
            Village.objects.visible_to(self.request.user).select_related("work_area__zone")
            .annotate(has_cadre=Exists(cadres)).order_by("work_area__zone__order", "work_area__order", "order", "code")
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "villages": self.villages()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        chosen = {str(pk) for pk in form["villages"].value() or []} if form.is_bound else None
        context["title"] = "创建村干部账号"
        context["rows"] = [
            {"village": village, "username": cadre_username(village),
             "checked": (str(village.pk) in chosen) if chosen is not None else not village.has_cadre}
            for village in form.fields["villages"].queryset
        ]
        return context

    def form_valid(self, form):
        try:
            result = cadre_accounts_create(villages=form.cleaned_data["villages"], created_by=self.request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.form_invalid(form)
        pdf = None
        if result.created:
            township = result.created[0].village.work_area.zone.township
            data = cadre_accounts_pdf(accounts=result.created, township=township, site_url=self.request.build_absolute_uri("/"))
            pdf = base64.b64encode(data).decode("ascii")
        return render(self.request, "onboarding/cadre_accounts_done.html", {
            "title": "村干部账号已创建", "result": result, "pdf": pdf,
        })
