"""Request middleware of the product."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A user whose password someone else set (``User.must_change_password``: made by an
    administrator, by the demo, or in bulk with a printed initial password) is sent to the
    password-change page from every page until they have changed it. The change page itself,
    logout and static files pass.

    Cheap on purpose: the flag is a column of the user row that authentication has already
    loaded, and nothing is looked at for a request that is not authenticated."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")
        self._passing = None

    def passing(self):
        if self._passing is None:  # reversed on first use: the URLconf is not loaded at startup
            self._passing = frozenset(reverse(name) for name in ("password_change", "password_change_done", "logout"))
        return self._passing

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(self.static) and path not in self.passing():
            user = request.user
            if user.is_authenticated and user.must_change_password:
                return redirect("password_change")
        return self.get_response(request)
