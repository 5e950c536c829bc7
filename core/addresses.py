"""The address a request came from, as the login lockout counts it (settings.AXES_CLIENT_IP_CALLABLE).

Straight from the client, ``REMOTE_ADDR``. Behind ``PROXY_COUNT`` reverse proxies, the
address the outermost of them saw: each proxy appends the address it was connected from to
``X-Forwarded-For``, so it is the ``PROXY_COUNT``-th from the right. Whatever a client puts
in that header itself stands to the left and is never taken: rotating it does not escape a
lockout.
"""

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote
