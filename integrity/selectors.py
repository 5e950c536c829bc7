from .models import VerificationRun


def last_verification() -> VerificationRun | None:
    """The latest verification of every township (the nightly run's kind), else of any."""
    runs = VerificationRun.objects.order_by("-started_at", "-pk")
    return runs.filter(township__isnull=True).first() or runs.first()
