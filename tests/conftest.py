"""Shared fixtures, and the rule for tests that need a real service.

A test marked ``postgres`` needs the database to be PostgreSQL; one marked ``redis`` needs
Redis answering at ``REDIS_URL``. Without the service such a test is skipped, with the
reason, unless ``REQUIRE_SERVICES=1`` (CI's services pass): then it fails, so a
misconfigured CI job cannot go green by skipping the tests it exists to run.
"""

import functools
import os
from decimal import Decimal

import pytest

from tests.factories import (
    ArrearFactory,
    CampaignFactory,
    DebtorFactory,
    TownshipFactory,
    VillageFactory,
    WorkAreaFactory,
    ZoneFactory,
    cadre_of,
    leader_of,
    staff_of,
    superuser,
)
from tests.stand_ins import unrendered_pdf

# ---- services a test needs ---------------------------------------------------------


def services_required():
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def _postgres_missing():
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"需要 PostgreSQL：当前数据库是 {connection.vendor}（设置 DATABASE_URL=postgres://...）"
    return None


@functools.cache
def _redis_missing():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "需要 Redis：未设置 REDIS_URL"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"需要 Redis：REDIS_URL 无法连接（{type(exc).__name__}: {exc}）"
    return None


SERVICE_CHECKS = {"postgres": _postgres_missing, "redis": _redis_missing}


def missing_services(item):
    """Why ``item`` cannot run here: one message per marked service that is missing."""
    return [
        problem
        for marker, check in SERVICE_CHECKS.items()
        if item.get_closest_marker(marker) and (problem := check())
    ]


def pytest_collection_modifyitems(config, items):
    if services_required():
        return  # pytest_runtest_setup fails them instead
    for item in items:
        for problem in missing_services(item):
            item.add_marker(pytest.mark.skip(reason=problem))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not services_required():
        return
    problems = missing_services(item)
    if problems:
        pytest.fail("REQUIRE_SERVICES=1，但 " + "；".join(problems), pytrace=False)


# ---- battle report PDFs --------------------------------------------------------------
# WeasyPrint takes about a second a report. Tests about which reports are built, when, and
# that a published one never changes do not read the PDF: they use ``pdf_not_rendered``.
# What the PDF shows is tested in tests/reports/test_renderers.py, and each test module that
# stands the PDF in still renders a real one where it checks the files.


@pytest.fixture
def pdf_not_rendered(monkeypatch):
    monkeypatch.setattr("reports.renderers.render_pdf", unrendered_pdf)


# ---- places ------------------------------------------------------------------------
# One township, one zone, two work areas with one village each; and a second township
# whose staff must not touch the first one's ledger.


@pytest.fixture
def township(db):
    return TownshipFactory(code="LS", name="兰山街道")


@pytest.fixture
def zone(township):
    return ZoneFactory(township=township, code="S", name="南片区")


@pytest.fixture
def work_area_a(zone):
    return WorkAreaFactory(zone=zone, code="1", name="第一工作区")


@pytest.fixture
def work_area_b(zone):
    return WorkAreaFactory(zone=zone, code="2", name="第二工作区")


@pytest.fixture
def village_a(work_area_a):
    return VillageFactory(work_area=work_area_a, code="LS-001", name="东岭村")


@pytest.fixture
def village_b(work_area_b):
    return VillageFactory(work_area=work_area_b, code="LS-002", name="西河村")


@pytest.fixture
def other_township(db):
    return TownshipFactory(code="HD", name="河东街道")


@pytest.fixture
def other_village(other_township):
    return VillageFactory(
        work_area__zone__township=other_township, code="HD-001", name="北湖村"
    )


# ---- users, one per role -----------------------------------------------------------
# Not ``admin_user``: pytest-django already has a fixture of that name.


@pytest.fixture
def staff_user(township):
    return staff_of(township, username="staff", display_name="经管员小王")


@pytest.fixture
def other_staff_user(other_township):
    return staff_of(other_township, username="other_staff", display_name="河东经管员")


@pytest.fixture
def leader_user(township):
    return leader_of(township, username="leader", display_name="李主任")


@pytest.fixture
def cadre_user(village_a):
    return cadre_of(village_a, username="cadre_a", display_name="东岭村书记")


@pytest.fixture
def other_cadre_user(village_b):
    return cadre_of(village_b, username="cadre_b", display_name="西河村书记")


@pytest.fixture
def superadmin(db):
    return superuser(username="superadmin", display_name="系统管理员")


# ---- ledger ------------------------------------------------------------------------


@pytest.fixture
def campaign(township):
    return CampaignFactory(township=township, name="2025年清收清欠攻坚行动")


@pytest.fixture
def debtor(village_a):
    return DebtorFactory(village=village_a, name="张三")


@pytest.fixture
def arrear(debtor, campaign):
    """1,000.00 yuan owed to 东岭村 by 张三, nothing paid yet."""
    return ArrearFactory(debtor=debtor, campaign=campaign, principal=Decimal("1000.00"))

