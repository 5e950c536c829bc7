from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # A new login starts the idle clock (core/middleware.py), so its first pages
        # write no session.
        user_logged_in.connect(_session_start, dispatch_uid="core.session_start")


def _session_start(sender, request, user, **kwargs):
    from .middleware import session_activity_mark

    if request is not None and hasattr(request, "session"):
        session_activity_mark(request.session)
