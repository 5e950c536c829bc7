"""The idle timeout (settings.SESSION_IDLE_TIMEOUT_MINUTES, 30 by default): a session used
within 30 minutes goes on, one left alone longer ends, on the server and not only in the
cookie. Renewing costs one session write a minute at most, none on a page right after login."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def cache_expires(client):
    """Drop the session's cached copy, as the cache itself does when its time is up: Redis
    counts that time on its own clock, which time_machine does not move (the local-memory
    cache of the SQLite pass would have dropped it already)."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    caches[settings.SESSION_CACHE_ALIAS].delete(SessionStore(session_key=key).cache_key)


def signed_in(client):
    response = client.get(reverse("home"))
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
        return False
    assert response.status_code == 200
    return True


def session_writes(client):
    with CaptureQueriesContext(connection) as queries:
        assert signed_in(client)
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_the_default_is_thirty_minutes():
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30 and settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_session_in_use_goes_on_and_one_left_alone_ends(client, staff_user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user)
        for _ in range(4):  # two hours, a page every 29 minutes
            clock.shift(timedelta(minutes=29))
            cache_expires(client)  # so the database's copy answers: renewed, it has not expired
            assert signed_in(client)
        clock.shift(timedelta(minutes=30, seconds=1))
        cache_expires(client)
        assert not signed_in(client)  # the database's copy has expired too


def test_a_renewal_sends_the_cookie_again_for_thirty_minutes(client, staff_user):
    # The test client keeps every cookie, so the test above shows the server's expiry; this
    # one shows the browser is told the same.
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user)
        clock.shift(timedelta(minutes=5))
        response = client.get(reverse("home"))
        assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def test_it_renews_at_most_once_a_minute(client, staff_user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff_user)
        assert session_writes(client) == []  # right after login
        clock.shift(timedelta(seconds=59))
        assert session_writes(client) == []
        clock.shift(timedelta(seconds=2))
        assert len(session_writes(client)) == 1
        assert session_writes(client) == []
