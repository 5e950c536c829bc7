"""Two first-run forms sent at the same moment on PostgreSQL: the users table lock lets one
make the township and its administrator; the other is refused and makes nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import User
from onboarding.services import township_start
from tests.concurrency import run_at_once
from villages.models import Township

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COUNT = 4


def test_only_one_of_several_simultaneous_first_runs_makes_a_township():
    results = run_at_once(COUNT, lambda i: township_start(
        township_name=f"镇{i}", township_code=f"T{i}", username=f"admin{i}", display_name=f"管理员{i}",
        password="Lw8mQz3vTk27",
    ), expected=(PermissionDenied,))
    made = [result for result in results if isinstance(result, User)]
    assert len(made) == 1 and sum(isinstance(result, PermissionDenied) for result in results) == COUNT - 1
    assert Township.objects.count() == 1 and User.objects.count() == 1
