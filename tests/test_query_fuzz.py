"""No URL answers junk in its query string with a 500.

Every URL pattern of the project (the access table of tests/test_access.py names them all,
with its path arguments filled from a small ledger) is asked, as each role, with junk in
every query parameter at once, and, as a writer and as a cadre, with junk in each parameter
alone. The parameters are those the view really reads (every key looked up in
``request.GET`` while it answers, recorded) and the common ones (page, sort, q, arrear,
village, campaign, dates, export...). A 500 is the only failure: 200, a redirect, 400, 403
and 404 are all answers.
"""

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from tests.module_db import module_transaction
from tests.stand_ins import unrendered_pdf
from tests.test_access import ROLES, TABLE, _build_world

pytestmark = pytest.mark.django_db

COMMON = (
    "page", "per_page", "sort", "q", "arrear", "debtor", "village", "zone", "work_area", "campaign", "kind", "status",
    "category", "import_batch", "day", "date", "day_from", "day_to", "received_after", "received_before",
    "start", "end", "_export", "export", "next",
)
# Junk in each parameter alone: not a number, a number too big for any column, a NUL
# (PostgreSQL refuses it in text), a day past what date arithmetic reaches.
JUNK = ("abc", "9" * 30, "1\x00", "9999-12-31")
# Junk in every parameter at once: also a negative, another script's digits (which
# ``str.isdigit`` takes), a day that does not exist, one before any.
ALL_AT_ONCE_JUNK = ("abc", "-1", "١٢٣", "2026-02-30", "0001-01-01")
ALONE_ROLES = ("staff", "cadre_own")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """test_access's ledger, its battle report with a stand-in PDF (what it shows is not
    asked here)."""
    with module_transaction(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        patch.setattr("reports.renderers.render_pdf", unrendered_pdf)
        with django_db_blocker.unblock():
            built = _build_world()
        yield built


class ReadKeys:
    """Records every key looked up in any QueryDict while installed (``request.GET`` among
    them): the query parameters a view reads."""

    METHODS = ("get", "__getitem__", "getlist", "__contains__")

    def __init__(self, monkeypatch):
        self.keys = set()
        for name in self.METHODS:
            original = getattr(QueryDict, name)
            monkeypatch.setattr(QueryDict, name, self._recording(original))

    def _recording(self, original):
        keys = self.keys

        def method(querydict, key, *args, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return original(querydict, key, *args, **kwargs)

        return method


def _ask(client, user, method, url, params):
    """The status of one request, or the exception a 500 would have shown."""
    if method == "post" or user is None:
        client.logout()  # a POST may have logged out (logout) or changed the session
        if user is not None:
            client.force_login(user)
    try:
        if method == "post":
            response = client.post(f"{url}?{_encode(params)}")
        else:
            response = client.get(url, params)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, with its request
        return f"{type(exc).__name__}: {exc}"
    return response.status_code


def _encode(params):
    query = QueryDict(mutable=True)
    query.update(params)
    return query.urlencode()


@pytest.mark.parametrize("name", sorted(TABLE))
def test_it_answers_junk_in_every_query_parameter_without_a_500(name, world, monkeypatch):
    """As each role: the page as it is, then junk in every parameter at once. As a writer and
    as a cadre (when they may open it): junk in each parameter alone (an early answer to
    one, a 404 for ``village=abc``, would hide what the others do), and more junk at once."""
    kwargs_of, _statuses, method = TABLE[name]
    url = reverse(name, kwargs=kwargs_of(world["ledger"]) if kwargs_of else None)
    read = ReadKeys(monkeypatch)
    client = Client()
    failures = []

    def ask(role, params):
        status = _ask(client, world["users"][role], method, url, params)
        if status == 500 or isinstance(status, str):
            failures.append((role, params, status))
        return status

    for role in ROLES:
        client.logout()
        if world["users"][role] is not None:
            client.force_login(world["users"][role])
        read.keys.clear()
        status = ask(role, {})
        if role in ALONE_ROLES and isinstance(status, int) and status < 400:
            for param in sorted(read.keys - {"csrfmiddlewaretoken"}):
                for junk in JUNK:
                    ask(role, {param: junk})
        params = sorted((read.keys | set(COMMON)) - {"csrfmiddlewaretoken"})
        for junk in ALL_AT_ONCE_JUNK if role in ALONE_ROLES else ALL_AT_ONCE_JUNK[:1]:
            ask(role, dict.fromkeys(params, junk))
    assert not failures, "\n".join(f"{role} {params!r}: {status}" for role, params, status in failures)
