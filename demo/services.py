"""Demo data: one township run like the Linyi sub-district of seed 000.

``demo_generate`` makes, in one transaction and in this order (each part draws from the
same ``Random``): the places and people (``places.py``), the campaign, debtors, arrears and
a month of entries (``ledger.py``), and each village's contracts (``contracts.py``); then
it counts what it made (``selectors.py``). Once that is committed it publishes the battle
reports of the days already past (``reports.py``), so the ranking is there when the site
first answers. ``output.py`` prints the result.

Deterministic: the same seed on the same day gives the same data (dates are relative to
``today``; tests/demo/test_ledger.py holds the digest of a 12-village demo). It refuses to
run on a database that already has villages.
"""

import time as _time
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from villages.models import Township, Village

from .context import DemoContext
from .contracts import ContractsBuilder
from .ledger import CAMPAIGN_NAME, LedgerBuilder, campaign_create
from .places import TOWNSHIP_CODE, TOWNSHIP_NAME, PlacesBuilder
from .reports import demo_reports_build
from .selectors import demo_summary

DEFAULT_VILLAGES = 47
DEFAULT_SEED = 1
DEFAULT_PASSWORD = "qs-demo-2026"  # meets settings.AUTH_PASSWORD_VALIDATORS
MAX_VILLAGES = 300


class DemoDataExists(Exception):
    """The database already holds villages (or the demo's township or users)."""


@dataclass
class DemoResult:
    seed: int
    password: str
    township: str
    campaign: str
    counts: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    reports: list = field(default_factory=list)  # the days whose battle report was published
    reports_built: bool = False
    report_seconds: float = 0.0
    seconds: float = 0.0
    must_change_password: bool = False


def _check_empty(villages):
    if Village.objects.exists() or Township.objects.filter(code=TOWNSHIP_CODE).exists():
        raise DemoDataExists("数据库中已有村居数据，演示数据只能在空库中生成。")
    width = max(3, len(str(villages)))
    usernames = ["admin", "staff", "leader"] + [f"cadre-V{i:0{width}d}" for i in range(1, villages + 1)]
    taken = list(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoDataExists(f"用户名已存在：{'、'.join(sorted(taken))}。演示数据只能在空库中生成。")


def demo_generate(
    *,
    villages: int = DEFAULT_VILLAGES,
    seed: int = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    today: date | None = None,
    reports: bool = True,
    must_change_password: bool = False,
) -> DemoResult:
    """Create the demo township in one transaction, then (unless ``reports`` is false)
    publish the battle report of every day whose cut-off has passed; return a ``DemoResult``.

    The reports are built after the ledger is committed, each in its own transaction, as
    the schedule builds them: should one fail, the ledger stays and the schedule builds
    what is missing.

    With ``must_change_password`` (``seed_demo`` without ``--password``: the password is
    the documented default, known to everyone) each user must change it at first login.

    Raises ``DemoDataExists`` when the database already has villages, the demo township
    or any of the demo user names; ``ValueError`` for a village count out of range or a
    password the password rules refuse.
    """
    if not 1 <= villages <= MAX_VILLAGES:
        raise ValueError(f"村居数量应在 1 到 {MAX_VILLAGES} 之间。")
    if not password:
        raise ValueError("请提供密码。")
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValueError(f"演示账号的密码 {password!r} 不符合密码规则：{''.join(error.messages)}")
    started = _time.monotonic()
    today = today or timezone.localdate()
    with transaction.atomic():
        _check_empty(villages)
        ctx = DemoContext(villages=villages, seed=seed, today=today)
        places = PlacesBuilder(ctx)
        places.build_township()
        places.build_villages()
        campaign = campaign_create(ctx, township=places.township)
        places.build_users(password, must_change_password=must_change_password)
        ledger = LedgerBuilder(ctx, villages=places.villages, campaign=campaign, staff=places.staff)
        ledger.pick_roles()
        ledger.build_debtors_and_arrears()
        ledger.build_entries()
        ContractsBuilder(ctx, villages=places.villages, staff=places.staff, ledger=ledger).build_contracts()
        counts, totals = demo_summary(
            township=places.township, campaign=campaign, villages=len(places.villages), users=len(places.users), today=today,
        )
    result = DemoResult(
        seed=seed, password=password, township=TOWNSHIP_NAME, campaign=CAMPAIGN_NAME,
        counts=counts, totals=totals, users=places.users, must_change_password=must_change_password,
    )
    if reports:
        reports_started = _time.monotonic()
        result.reports = [report.day for report in demo_reports_build()]
        result.reports_built = True
        result.report_seconds = _time.monotonic() - reports_started
    result.seconds = _time.monotonic() - started
    return result
