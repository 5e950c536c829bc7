"""The demo digest: identical before and after the move.

``DIGEST`` is the SHA-256 of the canonical JSON of ``fingerprint()`` (tests/demo/seeding.py:
the natural keys of everything the demo makes: places, people, users, debtors, arrears,
repayments, reversals, write-offs, contracts, their history, findings and fee payments)
after ``seed_demo --villages 47 --seed 1`` on 2025-06-16 at 09:30 Asia/Shanghai. It was
recorded on commit 5d922e1, before ``recovery/demo.py`` became the ``demo`` app, on SQLite
and on PostgreSQL (the same value on both), so the move provably changed no data.

When the demo is changed on purpose (other names, another mix of debts, one more kind of
entry), this test fails: look at what changed (``fingerprint()`` before and after), and when
the change is the one intended, record the new value here and say why in the commit message.
"""

from datetime import datetime

import pytest
import time_machine

from tests.demo.seeding import SHANGHAI, digest, fingerprint, seed

pytestmark = pytest.mark.django_db

DIGEST = "6d5c0804f81e2822a0675ae86ee4be7a69574533d4014efbb7fdf7810382deb8"
SEEDED_AT = datetime(2025, 6, 16, 9, 30, tzinfo=SHANGHAI)


def test_it_makes_the_same_demo_as_before_the_move():
    with time_machine.travel(SEEDED_AT, tick=False):
        seed(villages=47, seed=1)
        data = fingerprint()

    assert len(data["villages"]) == 47 and data["repayments"] and data["contracts"]
    assert digest(data) == DIGEST
