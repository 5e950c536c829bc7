"""What every part of the demo shares while it seeds: one random source, the names drawn
so far, and the calendar of the campaign up to yesterday.

The parts draw from the one ``Random`` in a fixed order (places, users, ledger, entries,
contracts), which is what makes the same seed on the same day give the same data.
"""

from datetime import date, timedelta
from random import Random

from .names import Names

CAMPAIGN_DAYS_BEFORE = 30
CAMPAIGN_DAYS_AFTER = 70


class DemoContext:
    def __init__(self, *, villages: int, seed: int, today: date):
        self.n = villages
        self.today = today
        self.rng = Random(seed)
        self.names = Names(self.rng)
        self.start = today - timedelta(days=CAMPAIGN_DAYS_BEFORE)
        self.yesterday = today - timedelta(days=1)
        # Every day of the campaign so far; entries are dated on these days, never today.
        self.days = [self.start + timedelta(days=i) for i in range((self.yesterday - self.start).days + 1)]
