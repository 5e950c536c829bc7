from django.contrib.auth import get_user_model

from villages.models import Township


def first_run_open() -> bool:
    """The first-run page is open, without a login, only while the database has no township
    and no user: once the township and its administrator exist it is gone for good."""
    return not Township.objects.exists() and not get_user_model().objects.exists()
