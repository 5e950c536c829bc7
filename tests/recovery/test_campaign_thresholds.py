"""A campaign made in code with the default thresholds (红黄绿灯, target) works at once: its
ratios are Decimals on the model from the start, not only once read back from the database."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recovery.models import Campaign
from reports.services import report_build
from tests.factories import ArrearFactory, DebtorFactory, pay

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_it_builds_the_report_of_a_campaign_made_with_the_defaults(township, village_a, staff_user, pdf_not_rendered):
    campaign = Campaign.objects.create(township=township, name="默认阈值行动", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    with time_machine.travel(datetime(2025, 1, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        arrear = ArrearFactory(debtor=DebtorFactory(village=village_a), campaign=campaign, principal=Decimal("1000.00"))
        pay(arrear, "500.00", staff_user)
    with time_machine.travel(datetime(2025, 1, 2, 17, 0, tzinfo=SHANGHAI), tick=False):
        report, _created = report_build(campaign=campaign, day=date(2025, 1, 2))  # the same object, not reloaded
    assert report.village_rows[f"v{village_a.pk}"]["light"] == "yellow"  # 50%: between 30% and 70%
    assert (campaign.target_ratio, campaign.red_below, campaign.green_from) == (Decimal("1.0000"), Decimal("0.3000"), Decimal("0.7000"))
    assert all(type(value) is Decimal for value in (campaign.target_ratio, campaign.red_below, campaign.green_from))


@pytest.mark.parametrize(("given", "held"), [("0.25", Decimal("0.25")), (" 0.5 ", Decimal("0.5")), (1, Decimal(1)), (Decimal("0.4"), Decimal("0.4"))])
def test_it_holds_a_ratio_given_as_text_or_int_as_a_decimal(township, given, held):
    campaign = Campaign(township=township, name="行动", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), red_below=given)
    assert campaign.red_below == held and type(campaign.red_below) is Decimal


def test_it_refuses_a_float_ratio(township):
    with pytest.raises(TypeError):
        Campaign(township=township, red_below=0.3)


def test_it_leaves_text_that_is_no_number_for_validation_to_report(township):
    campaign = Campaign(township=township, name="行动", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31), red_below="很低")
    with pytest.raises(Exception) as info:
        campaign.full_clean()
    assert "red_below" in info.value.message_dict
