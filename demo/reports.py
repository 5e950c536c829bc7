"""The demo's past battle reports, published while it seeds.

Without them the site's first start shows "还没有发布的战报" until the worker has caught up
on every day of the campaign so far (about 2.5 minutes for the default demo). The demo
therefore builds them itself, with the schedule's own service: ``due_reports_build``
builds every report whose cut-off (and the schedule's grace minute) has passed and that is
missing, exactly as beat would, so beat then has nothing to catch up on. The demo only
runs on an empty database, so its campaign is the only one.
"""

from datetime import datetime

from reports.models import Report
from reports.services import due_reports_build

from .output import quiet


def demo_reports_build(*, now: datetime | None = None) -> list[Report]:
    """Every report due by ``now`` (default: now), one per past day of the campaign and
    today's once its cut-off has passed; returns them oldest first."""
    with quiet("reports.services"):  # one INFO line per report is too much for the console
        built = due_reports_build(now=now)
    return sorted(built, key=lambda report: report.day)
