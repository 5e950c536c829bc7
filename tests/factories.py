"""factory_boy factories for the ledger, and helpers that post entries through the services.

There is deliberately no factory for Repayment, Reversal or WriteOff: entries are made with
``pay``, ``reverse`` and ``write_off`` below, which call the services, so a test can never
build a ledger the rules would have refused.
"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.models import User
from core.pinyin import name_initials
from core.roles import GROUP_NAMES, Role
from core.validators import national_id_check_char, uscc_check_char
from recovery.choices import ArrearCategory, DebtorKind, RepaymentKind
from recovery.models import Arrear, Campaign, Debtor
from recovery.services import repayment_create, repayment_reverse, writeoff_create
from villages.choices import AssignmentRole
from villages.models import Assignment, Township, Village, WorkArea, Zone

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = ["伟", "芳", "秀英", "建国", "桂兰", "志强", "玉梅", "海涛", "春花", "明"]


def valid_national_id(n):
    """A well-formed 身份证号 with a correct check character, distinct for each ``n``."""
    first17 = f"371302{1960 + n % 40:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + national_id_check_char(first17)


def valid_credit_code(n):
    """A well-formed 统一社会信用代码 with a correct check character, distinct for each ``n``."""
    first17 = f"9137130{n % 10**10:010d}"
    return first17 + uscc_check_char(first17)


# ---- places ------------------------------------------------------------------------

class TownshipFactory(DjangoModelFactory):
    class Meta:
        model = Township

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")
    order = factory.Sequence(lambda n: n)


class ZoneFactory(DjangoModelFactory):
    class Meta:
        model = Zone

    township = factory.SubFactory(TownshipFactory)
    code = factory.Sequence(lambda n: f"Z{n:03d}")
    name = factory.Sequence(lambda n: f"片区{n}")
    order = factory.Sequence(lambda n: n)


class WorkAreaFactory(DjangoModelFactory):
    class Meta:
        model = WorkArea

    zone = factory.SubFactory(ZoneFactory)
    code = factory.Sequence(lambda n: f"W{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}工作区")
    order = factory.Sequence(lambda n: n)


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    work_area = factory.SubFactory(WorkAreaFactory)
    code = factory.Sequence(lambda n: f"V{n:04d}")
    name = factory.Sequence(lambda n: f"测试{n}村")
    order = factory.Sequence(lambda n: n)


class AssignmentFactory(DjangoModelFactory):
    """A village secretary by default; traits ``for_zone`` and ``for_work_area`` give the
    other kinds of responsibility (the database insists role and target match)."""

    class Meta:
        model = Assignment

    role = AssignmentRole.VILLAGE_SECRETARY
    person_name = factory.Sequence(lambda n: f"{SURNAMES[n % len(SURNAMES)]}书记{n}")
    title = ""
    phone = ""
    zone = None
    work_area = None
    village = factory.SubFactory(VillageFactory)

    class Params:
        for_zone = factory.Trait(
            role=AssignmentRole.ZONE_LEADER, zone=factory.SubFactory(ZoneFactory), village=None
        )
        for_work_area = factory.Trait(
            role=AssignmentRole.WORKAREA_CONTACT, work_area=factory.SubFactory(WorkAreaFactory), village=None
        )


# ---- ledger ------------------------------------------------------------------------

class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"清收清欠突击月{n}")
    start_date = date(2025, 1, 1)
    end_date = date(2025, 12, 31)
    target_ratio = Decimal("0.8000")
    red_below = Decimal("0.3000")
    green_from = Decimal("0.7000")
    is_active = True


class DebtorFactory(DjangoModelFactory):
    """A person with a valid 身份证号; trait ``organisation`` gives a firm with a valid 信用代码."""

    class Meta:
        model = Debtor

    village = factory.SubFactory(VillageFactory)
    kind = DebtorKind.PERSON
    name = factory.Sequence(
        lambda n: SURNAMES[n % len(SURNAMES)] + GIVEN_NAMES[(n // len(SURNAMES)) % len(GIVEN_NAMES)]
    )
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    national_id = factory.Sequence(valid_national_id)
    credit_code = ""
    phone = factory.Sequence(lambda n: f"139{n % 10**8:08d}")

    class Params:
        organisation = factory.Trait(
            kind=DebtorKind.ORGANISATION,
            name=factory.Sequence(lambda n: f"兰山建筑工程有限公司{n}"),
            national_id="",
            credit_code=factory.Sequence(valid_credit_code),
        )


class ArrearFactory(DjangoModelFactory):
    """An arrear with nothing paid yet (``outstanding`` equals ``principal``). The campaign
    defaults to a new one in the village's township; pass ``campaign=`` to share one."""

    class Meta:
        model = Arrear

    debtor = factory.SubFactory(DebtorFactory)
    village = factory.SelfAttribute("debtor.village")
    campaign = factory.SubFactory(
        CampaignFactory, township=factory.SelfAttribute("..village.work_area.zone.township")
    )
    category = ArrearCategory.LOAN
    description = "借用集体资金未还"
    incurred_on = date(2020, 3, 1)
    principal = Decimal("1000.00")
    outstanding = factory.LazyAttribute(lambda o: o.principal)


# ---- users -------------------------------------------------------------------------

def role_group(role):
    """The auth group of a role. Migration core/0002 creates the groups; get_or_create (with
    the same names) only matters after a ``transaction=True`` test has flushed the tables."""
    return Group.objects.get_or_create(name=GROUP_NAMES[Role(role)])[0]


class UserFactory(DjangoModelFactory):
    """A login; ``role=Role.STAFF`` (etc.) puts it in that role's group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"{SURNAMES[n % len(SURNAMES)]}用户{n}")
    password = factory.django.Password("test-pass-123")
    township = None
    village = None

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(role_group(extracted))


def staff_of(township, **kwargs):
    """经管中心录入员 of ``township``."""
    return UserFactory(role=Role.STAFF, township=township, **kwargs)


def leader_of(township=None, **kwargs):
    """领导, of one township or (``None``) of all."""
    return UserFactory(role=Role.LEADER, township=township, **kwargs)


def cadre_of(village, **kwargs):
    """村干部 of ``village``."""
    return UserFactory(role=Role.CADRE, village=village, **kwargs)


def admin_of(township=None, **kwargs):
    """管理员 by group (not a Django superuser)."""
    return UserFactory(role=Role.ADMIN, township=township, **kwargs)


def superuser(**kwargs):
    return UserFactory(is_superuser=True, is_staff=True, **kwargs)


# ---- entries, through the services -------------------------------------------------

def pay(arrear, amount, user, **kwargs):
    """Post a repayment with ``repayment_create``; returns the repayment."""
    kwargs.setdefault("kind", RepaymentKind.CASH)
    kwargs.setdefault("received_on", timezone.localdate())
    if kwargs["kind"] in (RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET):
        kwargs.setdefault("note", "抵债资产及估价见评估报告（测试）")
    repayment, _created = repayment_create(arrear=arrear, amount=amount, recorded_by=user, **kwargs)
    return repayment


def reverse(repayment, user, reason="录入金额有误", **kwargs):
    """Reverse a repayment with ``repayment_reverse``; returns the reversal."""
    return repayment_reverse(repayment=repayment, reason=reason, recorded_by=user, **kwargs)


def write_off(arrear, amount, user, approval_reference="兰政经〔2025〕12号", reason="债务人死亡且无遗产", **kwargs):
    """Post a write-off with ``writeoff_create``; returns the write-off."""
    entry, _created = writeoff_create(
        arrear=arrear, amount=amount, approval_reference=approval_reference,
        reason=reason, recorded_by=user, **kwargs,
    )
    return entry


def publish_report(campaign, day, *, at=None):
    """Publish ``campaign``'s battle report of ``day`` with ``report_build``, as the schedule
    would an hour after the cut-off (or at ``at``), its files stood in (tests/stand_ins.py):
    for tests of what the pages read from the stored snapshot."""
    from unittest import mock

    import time_machine

    from reports.selectors import cutoff_for
    from reports.services import report_build
    from tests.stand_ins import unrendered_pdf, unrendered_xlsx

    moment = at or cutoff_for(campaign, day) + timedelta(hours=1)
    with (
        time_machine.travel(moment, tick=False),
        mock.patch("reports.renderers.render_pdf", unrendered_pdf),
        mock.patch("reports.renderers.render_xlsx", unrendered_xlsx),
    ):
        report, _created = report_build(campaign=campaign, day=day)
    return report
