"""Reads that compute something: the ranking rule, the villages' sums over a part of the
ledger (the live figures of reports.selectors build on them), debtors and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import (
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.money import ZERO, to_money
from core.validators import CREDIT_CODE_CHARS, NATIONAL_ID_CHARS, PHONE_CHARS

from .choices import CASH_KINDS
from .models import Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from villages.models import Village

MONEY = DecimalField(max_digits=14, decimal_places=2)


def ranking_key(*, ratio: Decimal, recovered: Decimal, code: str) -> tuple[Decimal, Decimal, str]:
    """The ranking rule (DOMAIN.md): completion ratio descending, then amount recovered,
    then village code. Used by the home page and the battle report alike."""
    return (-ratio, -recovered, code)


@dataclass
class EntrySums:
    """One village's sums over a part of the ledger (arrears registered, repayments net of
    reversals by kind, write-offs)."""

    baseline: Decimal = ZERO
    cash: Decimal = ZERO
    offset: Decimal = ZERO
    written_off: Decimal = ZERO


def village_entry_sums(
    *, villages: QuerySet[Village] | list[int], covered: dict[int, datetime] | None = None, campaigns: list[int] | None = None,
) -> dict[int, EntrySums]:
    """Sums by village of the entries a published report does not already hold, in one
    grouped query (a UNION ALL over the four entry tables, each part grouped by village
    and kind).

    ``covered`` maps a campaign id to the cut-off of its latest published report: what that
    report read (arrears of the campaign registered, and entries of it recorded, up to the
    cut-off; reversals count when they are recorded) is left out, everything else is summed:
    entries of those campaigns recorded after their cut-off (found by the indexed recorded
    time) and every entry of the other campaigns (by their ids, indexed). Without ``covered``
    this is the whole ledger. ``campaigns``: the ids of every campaign the villages' arrears
    may belong to (those of their townships: ``arrear_create`` refuses another township's);
    by default every campaign. A repayment recorded before the cut-off and reversed after it
    is in the report and its reversal here, so the two added up give what the whole ledger
    gives.
    """
    covered = covered or {}
    village_ids = villages if isinstance(villages, list) else villages.values("pk")
    if campaigns is None and covered:
        campaigns = list(Campaign.objects.values_list("pk", flat=True))
    others = [pk for pk in campaigns or [] if pk not in covered]

    def parts(model, village_path, campaign_path, time_path):
        """The entries of ``model`` to sum: after each covered campaign's cut-off, and all of
        the other campaigns (everything, when nothing is covered)."""
        base = model.objects.filter(**{f"{village_path}__in": village_ids})
        if not covered:
            return [base]
        after = Q()
        for campaign_id, cutoff in covered.items():
            after |= Q(**{campaign_path: campaign_id, f"{time_path}__gt": cutoff})
        result = [base.filter(after, **{f"{time_path}__gt": min(covered.values())})]
        if others:
            result.append(base.filter(**{f"{campaign_path}__in": others}))
        return result

    def grouped(querysets, village_path, kind, amount, sign=1):
        return [
            queryset.order_by().values_list(village_path).annotate(
                entry_kind=Value(kind, output_field=CharField()) if isinstance(kind, str) else kind,
                total=ExpressionWrapper(Sum(amount) * Value(sign), output_field=MONEY),
            ).values_list(village_path, "entry_kind", "total")
            for queryset in querysets
        ]

    queries = [
        *grouped(parts(Arrear, "village_id", "campaign_id", "created_at"), "village_id", "baseline", "principal"),
        *grouped(parts(Repayment, "arrear__village_id", "arrear__campaign_id", "recorded_at"),
                 "arrear__village_id", F("kind"), "amount"),
        *grouped(parts(Reversal, "repayment__arrear__village_id", "repayment__arrear__campaign_id", "recorded_at"),
                 "repayment__arrear__village_id", F("repayment__kind"), "repayment__amount", sign=-1),
        *grouped(parts(WriteOff, "arrear__village_id", "arrear__campaign_id", "recorded_at"),
                 "arrear__village_id", "written_off", "amount"),
    ]
    sums: dict[int, EntrySums] = {}
    for village_id, kind, total in queries[0].union(*queries[1:], all=True):
        row = sums.setdefault(village_id, EntrySums())
        amount = to_money(total)  # SQLite returns sums with spurious extra places
        if kind == "baseline":
            row.baseline += amount
        elif kind == "written_off":
            row.written_off += amount
        elif kind in CASH_KINDS:
            row.cash += amount
        else:
            row.offset += amount
    return sums


def debtors_with_totals(debtors: QuerySet[Debtor]) -> QuerySet[Debtor]:
    return debtors.select_related("village").annotate(
        principal_total=Coalesce(Sum("arrears__principal"), Value(ZERO), output_field=MONEY),
        outstanding_total=Coalesce(Sum("arrears__outstanding"), Value(ZERO), output_field=MONEY),
    ).order_by("village__order", "village__code", "name", "pk")


def debtor_history(*, debtor: Debtor) -> QuerySet[Arrear]:
    """A debtor's arrears with every entry (reversed ones included, marked)."""
    return debtor.arrears.select_related("campaign").prefetch_related(
        Prefetch("repayments", queryset=Repayment.objects.select_related("reversal__recorded_by", "recorded_by")),
        Prefetch("write_offs", queryset=WriteOff.objects.select_related("recorded_by")),
    )


def _name_contains(text: str) -> Q:
    """Name contains ``text``: a plain LIKE when ``text`` has no letter case (Chinese names),
    which is the same test and needs no UPPER() of every name; otherwise case-insensitive."""
    if text.upper() == text == text.lower():
        return Q(name__contains=text)
    return Q(name__icontains=text)


def debtors_matching(debtors: QuerySet[Debtor], *, text: str, identity: bool) -> QuerySet[Debtor]:
    """Debtors whose name contains ``text`` or whose pinyin initials start with it; with
    ``identity`` (users who may see identity numbers), also by 身份证号, 信用代码 or phone.

    One look-up per column, as a UNION of debtor ids, so that PostgreSQL can use each
    column's index (trigram on the name, pattern btree on the initials) instead of scanning
    the table for an OR. An identity column is searched only when ``text`` is made of
    characters that column can hold (its numbers are validated on every write)."""
    text = text.strip()
    if not text:
        return debtors
    upper = text.upper()
    lookups = [_name_contains(text), Q(name_initials__startswith=text.lower())]
    if identity:
        if set(upper) <= NATIONAL_ID_CHARS:
            lookups.append(Q(national_id__icontains=upper))
        if set(upper) <= CREDIT_CODE_CHARS:
            lookups.append(Q(credit_code__icontains=upper))
        if set(text) <= PHONE_CHARS:
            lookups.append(Q(phone__contains=text))
    first, *rest = (Debtor.objects.filter(lookup).order_by().values("pk") for lookup in lookups)
    return debtors.filter(pk__in=first.union(*rest))


def active_campaigns(*, village: Village) -> QuerySet[Campaign]:
    """The running campaigns of ``village``'s township (a new arrear joins one of them)."""
    return Campaign.objects.filter(township_id=village.work_area.zone.township_id, is_active=True)
