"""Every download of a file with personal data is logged here, by the view that sends it."""

from django.http import HttpRequest

from core.addresses import client_address

from .models import DownloadLog


def download_log(request: HttpRequest, *, kind: str, filename: str, obj=None) -> DownloadLog:
    """Record that ``request.user`` downloads ``filename`` (a ``DownloadKind``) now, from the
    client's address as the login lockout counts it (``PROXY_COUNT`` honoured)."""
    user = request.user if request.user.is_authenticated else None
    return DownloadLog.objects.create(
        user=user, username=user.get_username() if user else "", ip_address=client_address(request) or None,
        kind=kind, filename=filename[:255], path=request.get_full_path()[:500], object_id=getattr(obj, "pk", None),
    )
