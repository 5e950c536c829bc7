"""What every request passes through on the way in and out: the page's
Content-Security-Policy, the request body limit, the session's idle timeout, the
password change a user must make first."""

import secrets
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

# A session in use is renewed (its expiry moved SESSION_COOKIE_AGE ahead) at most this often.
SESSION_RENEW_SECONDS = 60
SESSION_ACTIVITY_KEY = "_activity"
NONCE_DIRECTIVES = ("script-src", "style-src")


def session_activity_mark(session) -> None:
    """Note that ``session`` was used now (at login: its first renewal is then a minute away)."""
    session[SESSION_ACTIVITY_KEY] = int(time.time())


def policy_with_nonce(policy: str, nonce: str) -> str:
    """``policy`` with ``'nonce-…'`` added to its script-src and style-src directives."""
    directives = []
    for directive in policy.split(";"):
        directive = directive.strip()
        if directive.split(" ", 1)[0] in NONCE_DIRECTIVES:
            directive = f"{directive} 'nonce-{nonce}'"
        if directive:
            directives.append(directive)
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY with every response but PDFs (browsers' PDF
    viewers do not run under a page policy). A template that needs an inline script or
    style writes ``nonce="{{ request.csp_nonce }}"``; the nonce is made, and added to the
    policy, only when a template asked for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        made = []

        def nonce_make():
            made.append(secrets.token_urlsafe(16))
            return made[0]

        request.csp_nonce = SimpleLazyObject(nonce_make)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not response.get("Content-Type", "").startswith("application/pdf"):
            policy = settings.CONTENT_SECURITY_POLICY
            response["Content-Security-Policy"] = policy_with_nonce(policy, made[0]) if made else policy
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than settings.REQUEST_MAX_BYTES with a 413
    page, before anything reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = f"{settings.REQUEST_MAX_BYTES / 1024 / 1024:.0f}"
            # No request context: the user is not known yet (authentication comes later).
            return HttpResponse(render_to_string("413.html", {"limit_mb": limit_mb}), status=413)
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """A signed-in session ends SESSION_COOKIE_AGE seconds (the idle timeout) after it was
    last used: each request that comes a minute or more after the last renewal renews it
    (one session write), the server's expiry and the cookie's alike. Must come after
    SessionMiddleware, so the session is saved after this has marked it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            if time.time() - session.get(SESSION_ACTIVITY_KEY, 0) >= SESSION_RENEW_SECONDS:
                session_activity_mark(session)
        return response


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
