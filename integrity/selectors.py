from .models import VerificationRun


def last_verification() -> VerificationRun | None:
    """The latest verification run (the nightly one covers every township), or None."""
    return VerificationRun.objects.order_by("-started_at", "-pk").first()
