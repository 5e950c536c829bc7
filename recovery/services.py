"""Writes to the ledger. Every path (views, admin, imports, demo data, tasks) comes here.

Rules that must hold under concurrency are checked with the arrear row locked
(``select_for_update``) and backed by database constraints: outstanding never below zero
(``arrear_outstanding_in_range``), a repayment reversed once (one-to-one), one entry per
form submission (unique ``submission_token``), entries never updated or deleted.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Subquery
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.money import MAX_AMOUNT, fmt_yuan, plain_decimal
from core.pinyin import name_initials
from core.roles import can_write
from imports.bulk import bulk_insert
from integrity.chain import chain_append, township_of_village
from integrity.choices import FactKind
from integrity.facts import FACTS
from villages.models import Village

from .choices import OFFSET_KINDS, ArrearCategory, DebtorKind, LitigationStatus, RepaymentKind
from .models import EARLIEST_DEBT_DATE, Arrear, Campaign, Debtor, Repayment, Reversal, WriteOff

if TYPE_CHECKING:
    from contracts.models import Contract
    from core.models import User
    from imports.models import ImportBatch


NOT_WRITER = "您无权录入或修改该村的数据。"


def _check_writer(user, village):
    if user is None or not can_write(user) or not Village.objects.visible_to(user).filter(pk=village.pk).exists():
        raise PermissionDenied(NOT_WRITER)


def _clean_amount(value, field="amount", label="金额"):
    """A Decimal, an int or plain text (``core.money.plain_decimal``: not ``1,000``,
    ``1_000``, ``1E2`` or ``١٢٣``) -> the amount, or a ValidationError on ``field``."""
    try:
        amount = plain_decimal(value)
    except ValueError:
        raise ValidationError({field: f"{label}不是有效数字。"}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{label}不是有效数字。"})
    if amount <= 0:
        raise ValidationError({field: f"{label}必须大于 0。"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{label}最多保留两位小数（分）。"})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: f"{label}过大。"})
    return amount


def _clean_date_not_future(value, field, label):
    if value is None:
        raise ValidationError({field: f"请填写{label}。"})
    if value > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    return value


def validate_debt_date(value: date, today: date | None = None) -> None:
    """A debt's 发生日期 lies within 1949-10-01 … today (the lower bound is also the
    ``arrear_incurred_since_1949`` constraint); ValidationError otherwise."""
    if value < EARLIEST_DEBT_DATE:
        raise ValidationError(f"发生日期 {value.isoformat()} 早于 {EARLIEST_DEBT_DATE.isoformat()}，请核对。", code="too_early")
    if value > (today or timezone.localdate()):
        raise ValidationError(f"发生日期 {value.isoformat()} 晚于今天，请核对。", code="future")


def _clean_debt_date(value, today=None):
    if value is None:
        raise ValidationError({"incurred_on": "请填写发生日期。"})
    try:
        validate_debt_date(value, today)
    except ValidationError as error:
        raise ValidationError({"incurred_on": error.messages}) from None
    return value


# ---- debtors -----------------------------------------------------------------------

DEBTOR_FIELDS = (
    "kind", "name", "national_id", "credit_code", "phone", "address",
    "is_blacklisted", "blacklist_reason", "blacklisted_on", "litigation_status", "case_number",
)


def _text(value):
    return (value or "").strip()


def _code(value):
    """Identity numbers as typed in Chinese input methods: full-width to ASCII, upper case."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def _normalise_debtor(debtor):
    debtor.name = _text(debtor.name)
    debtor.national_id = _code(debtor.national_id)
    debtor.credit_code = _code(debtor.credit_code)
    debtor.phone = _code(debtor.phone)
    debtor.address = _text(debtor.address)
    debtor.blacklist_reason = _text(debtor.blacklist_reason)
    debtor.case_number = _text(debtor.case_number)
    if debtor.kind == DebtorKind.PERSON:
        debtor.credit_code = ""
    else:
        debtor.national_id = ""
    if not debtor.is_blacklisted:
        debtor.blacklist_reason = ""
        debtor.blacklisted_on = None
    if debtor.litigation_status == LitigationStatus.NONE:
        debtor.case_number = ""
    debtor.name_initials = name_initials(debtor.name, person=debtor.kind == DebtorKind.PERSON)


DEBTOR_KINDS = frozenset(DebtorKind.values)
LITIGATION_STATUSES = frozenset(LitigationStatus.values)
ARREAR_CATEGORIES = frozenset(ArrearCategory.values)


def _validate_debtor(debtor, *, check_database=True):
    from core.validators import validate_credit_code, validate_national_id, validate_phone

    errors = {}
    if debtor.kind not in DEBTOR_KINDS:
        errors["kind"] = "类型应为个人或单位。"
    if debtor.litigation_status not in LITIGATION_STATUSES:
        errors["litigation_status"] = "诉讼状态无效。"
    if not debtor.name:
        errors["name"] = "请填写姓名或名称。"
    for field, check in (("national_id", validate_national_id), ("credit_code", validate_credit_code), ("phone", validate_phone)):
        value = getattr(debtor, field)
        if value:
            try:
                check(value)
            except ValidationError as exc:
                errors[field] = exc.messages[0]
    if debtor.is_blacklisted:
        if not debtor.blacklist_reason:
            errors["blacklist_reason"] = "列入失信名单须填写原因。"
        if not debtor.blacklisted_on:
            errors["blacklisted_on"] = "列入失信名单须填写日期。"
    if debtor.litigation_status != LitigationStatus.NONE and not debtor.case_number:
        errors["case_number"] = "已起诉的欠款人须填写案号。"
    if errors:
        raise ValidationError(errors)
    if check_database:
        debtor.validate_constraints()


def debtor_create(
    *, village: Village, created_by: User | None, created_at: datetime | None = None, by_system: bool = False, **fields: Any,
) -> Debtor:
    if not (by_system and created_by is None):
        _check_writer(created_by, village)
    debtor = Debtor(village=village, **{k: v for k, v in fields.items() if k in DEBTOR_FIELDS})
    debtor.created_at = created_at or timezone.now()
    debtor._history_user = created_by  # who, in the change history, in a request or not
    _normalise_debtor(debtor)
    _validate_debtor(debtor)
    with transaction.atomic():
        debtor.save()
        chain_append(township_id=township_of_village(village), facts=[(FactKind.DEBTOR, debtor)])
    return debtor


def debtor_update(*, debtor: Debtor, updated_by: User, **fields: Any) -> Debtor:
    _check_writer(updated_by, debtor.village)
    for key, value in fields.items():
        if key in DEBTOR_FIELDS:
            setattr(debtor, key, value)
    debtor._history_user = updated_by
    _normalise_debtor(debtor)
    _validate_debtor(debtor)
    with transaction.atomic():
        debtor.save()
        # A new link for the identity as it now is (verify_ledger checks a row against its
        # latest link).
        chain_append(township_id=township_of_village(debtor.village), facts=[(FactKind.DEBTOR, debtor)])
    return debtor


# ---- arrears -----------------------------------------------------------------------

def arrear_create(
    *, debtor: Debtor, campaign: Campaign, category: str, principal: Decimal | str, incurred_on: date | None,
    created_by: User | None, description: str = "", created_at: datetime | None = None,
    contract: Contract | None = None, contract_year: int | None = None, by_system: bool = False,
) -> Arrear:
    """Registers a debt. ``created_at`` is for ledger imports and demo data only (a debt
    already on the books when the campaign began); forms never pass it. ``by_system`` is
    for the scheduled task that turns overdue contract fees into debts (no user)."""
    village = debtor.village
    if not (by_system and created_by is None):
        _check_writer(created_by, village)
    principal = _clean_amount(principal, "principal", "欠款金额")
    _clean_debt_date(incurred_on)
    if category not in ArrearCategory.values:
        raise ValidationError({"category": "欠款类别无效。"})
    if campaign.township_id != village.work_area.zone.township_id:
        raise ValidationError({"campaign": "所选清收行动不属于该村所在乡镇。"})
    arrear = Arrear(
        village=village, debtor=debtor, campaign=campaign, category=category,
        description=(description or "").strip(), incurred_on=incurred_on,
        principal=principal, outstanding=principal, created_by=created_by,
        created_at=created_at or timezone.now(), contract=contract, contract_year=contract_year,
    )
    arrear.full_clean(exclude=["created_by"])
    arrear._history_user = created_by
    with transaction.atomic():
        arrear.save()
        chain_append(township_id=village.work_area.zone.township_id, facts=[(FactKind.ARREAR, arrear)])
    return arrear


def arrear_update(*, arrear: Arrear, updated_by: User, category: str, description: str, incurred_on: date) -> Arrear:
    """Only the descriptive fields; the principal is fixed once entries exist. The 发生日期
    may not move after the arrear's earliest entry (a repayment's 收款日期, a write-off's
    day), checked with the arrear row locked, as ``repayment_create`` checks the other way."""
    _check_writer(updated_by, arrear.village)
    _clean_debt_date(incurred_on)
    description = (description or "").strip()
    checked = copy.copy(arrear)
    checked.category, checked.description, checked.incurred_on = category, description, incurred_on
    checked.full_clean(exclude=["created_by"])  # on a copy: a refused change leaves ``arrear`` as it was
    with transaction.atomic():
        locked = _lock_arrear(arrear.pk)
        earliest = _earliest_entry_day(arrear.pk)
        if earliest is not None and incurred_on > earliest:
            raise ValidationError({
                "incurred_on": f"发生日期不能晚于这笔欠款最早的清收或核销日期 {earliest:%Y-%m-%d}。",
            })
        locked.category, locked.description, locked.incurred_on = category, description, incurred_on
        locked._history_user = updated_by
        locked.save(update_fields=["category", "description", "incurred_on"])  # a save: the change history records it
        chain_append(township_id=locked.chain_township_id, facts=[(FactKind.ARREAR, locked)])
    arrear.category, arrear.description, arrear.incurred_on = category, description, incurred_on
    return arrear


def _earliest_entry_day(arrear_id):
    """The day of the arrear's earliest repayment (reversed ones too: they stay on the
    books) or write-off (the day it was recorded, Asia/Shanghai), or None."""
    repaid = Repayment.objects.filter(arrear_id=arrear_id).aggregate(day=Min("received_on"))["day"]
    written_off = WriteOff.objects.filter(arrear_id=arrear_id).aggregate(moment=Min("recorded_at"))["moment"]
    days = [day for day in (repaid, written_off and timezone.localdate(written_off)) if day is not None]
    return min(days) if days else None


# ---- entries -----------------------------------------------------------------------

def _lock_arrear(arrear_id):
    """Locks the arrear row only (not its debtor or village), for the rest of the
    transaction. The new outstanding is computed here from the locked value, in Decimal,
    and written as a value: SQLite would do ``F()`` arithmetic on decimals in float."""
    return _arrears_to_lock().get(pk=arrear_id)


def _arrears_to_lock():
    """Arrears locked (the row only), each with its township's id (``chain_township_id``)
    read in the same statement, for the chain."""
    return Arrear.objects.select_for_update(of=("self",)).annotate(chain_township_id=F("village__work_area__zone__township_id"))


def _lock_arrear_for_writer(arrear_id, user, submission_token):
    """``_lock_arrear`` in the same statement as the writer's village check (the arrear's
    village among those ``user`` may see) and the look-up of an entry already made by the
    same submission -> (locked arrear, that entry's id or None). PermissionDenied when the
    arrear is not in a village ``user`` may write in."""
    arrears = _arrears_to_lock().filter(pk=arrear_id, village__in=Village.objects.visible_to(user))
    if submission_token:
        arrears = arrears.annotate(
            existing_id=Subquery(Repayment.objects.filter(submission_token=submission_token).values("pk")[:1])
        )
    locked = arrears.first()
    if locked is None:
        raise PermissionDenied(NOT_WRITER)
    return locked, getattr(locked, "existing_id", None)


def repayment_create(
    *, arrear: Arrear, amount: Decimal | str, kind: str, received_on: date | None, recorded_by: User,
    receipt_number: str = "", note: str = "", submission_token: UUID | None = None, recorded_at: datetime | None = None,
) -> tuple[Repayment, bool]:
    """Record money or value received against an arrear.

    Returns ``(repayment, created)``: a second submission of the same form (same
    ``submission_token``) returns the first repayment with ``created=False``.
    ``recorded_at`` is for demo data and ledger imports only; forms never pass it.

    Three statements on the database (four with SQLite's BEGIN): one locks the arrear,
    checks that ``recorded_by`` may write in its village and looks for an entry of the same
    submission; then the INSERT and the UPDATE. The unique token and the outstanding CHECK
    back the checks up.
    """
    if recorded_by is None or not can_write(recorded_by):
        raise PermissionDenied(NOT_WRITER)
    amount = _clean_amount(amount)
    if kind not in RepaymentKind.values:
        raise ValidationError({"kind": "请选择清收方式：现金、转账、以物抵债或抵顶债务。"})
    if kind in OFFSET_KINDS and not (note or "").strip():
        raise ValidationError({"note": "以物抵债、抵顶债务须在“备注/凭据”中写明抵债资产或抵顶的债务、估价依据及凭据。"})
    _clean_date_not_future(received_on, "received_on", "收款日期")
    token_kwargs = {"submission_token": submission_token} if submission_token else {}
    try:
        with transaction.atomic():
            locked, existing_id = _lock_arrear_for_writer(arrear.pk, recorded_by, submission_token)
            if existing_id is not None:
                return Repayment.objects.get(pk=existing_id), False
            if received_on < locked.incurred_on:
                raise ValidationError({"received_on": "收款日期不能早于欠款发生日期。"})
            if amount > locked.outstanding:
                raise ValidationError(
                    {"amount": f"金额 {fmt_yuan(amount)} 元超过尚欠金额 {fmt_yuan(locked.outstanding)} 元。"}
                )
            repayment = Repayment.objects.create(
                arrear=locked, amount=amount, kind=kind, received_on=received_on,
                receipt_number=(receipt_number or "").strip(), note=(note or "").strip(),
                recorded_by=recorded_by, recorded_at=recorded_at or timezone.now(), **token_kwargs,
            )
            Arrear.objects.filter(pk=locked.pk).update(outstanding=locked.outstanding - amount)
            chain_append(township_id=locked.chain_township_id, facts=[(FactKind.REPAYMENT, repayment)])
    except IntegrityError:
        # A concurrent submission of the same form won the race: return its entry.
        if submission_token:
            existing = Repayment.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return existing, False
        raise
    arrear.outstanding = locked.outstanding - amount
    return repayment, True


def repayment_reverse(*, repayment: Repayment, reason: str, recorded_by: User, recorded_at: datetime | None = None) -> Reversal:
    """冲正: the only way to undo a repayment; at most once, with a reason."""
    _check_writer(recorded_by, repayment.arrear.village)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写冲正原因。"})
    try:
        with transaction.atomic():
            locked = _lock_arrear(repayment.arrear_id)
            if Reversal.objects.filter(repayment=repayment).exists():
                raise ValidationError({"reason": "该清收记录已冲正，不能重复冲正。"})
            reversal = Reversal.objects.create(
                repayment=repayment, reason=reason, recorded_by=recorded_by,
                recorded_at=recorded_at or timezone.now(),
            )
            Arrear.objects.filter(pk=locked.pk).update(outstanding=locked.outstanding + repayment.amount)
            chain_append(township_id=locked.chain_township_id, facts=[(FactKind.REVERSAL, reversal)])
    except IntegrityError:
        raise ValidationError({"reason": "该清收记录已冲正，不能重复冲正。"})
    return reversal


def writeoff_create(
    *, arrear: Arrear, amount: Decimal | str, approval_reference: str, reason: str, recorded_by: User,
    submission_token: UUID | None = None, recorded_at: datetime | None = None,
) -> tuple[WriteOff, bool]:
    """核销 with an approval reference; shown apart from recovery."""
    _check_writer(recorded_by, arrear.village)
    amount = _clean_amount(amount, "amount", "核销金额")
    approval_reference = (approval_reference or "").strip()
    reason = (reason or "").strip()
    errors = {}
    if not approval_reference:
        errors["approval_reference"] = "核销须填写批准文号。"
    if not reason:
        errors["reason"] = "请填写核销原因。"
    if errors:
        raise ValidationError(errors)
    token_kwargs = {"submission_token": submission_token} if submission_token else {}
    try:
        with transaction.atomic():
            locked = _lock_arrear(arrear.pk)
            if submission_token:
                existing = WriteOff.objects.filter(submission_token=submission_token).first()
                if existing is not None:
                    return existing, False
            if amount > locked.outstanding:
                raise ValidationError(
                    {"amount": f"核销金额 {fmt_yuan(amount)} 元超过尚欠金额 {fmt_yuan(locked.outstanding)} 元。"}
                )
            write_off = WriteOff.objects.create(
                arrear=locked, amount=amount, approval_reference=approval_reference,
                reason=reason, recorded_by=recorded_by, recorded_at=recorded_at or timezone.now(),
                **token_kwargs,
            )
            Arrear.objects.filter(pk=locked.pk).update(outstanding=locked.outstanding - amount)
            chain_append(township_id=locked.chain_township_id, facts=[(FactKind.WRITE_OFF, write_off)])
    except IntegrityError:
        if submission_token:
            existing = WriteOff.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return existing, False
        raise
    return write_off, True


# ---- ledger imports ------------------------------------------------------------------
# Many rows at once, inside the importing transaction (imports.services.import_batch_run),
# with the same rules as one at a time. Uniqueness against what is already in the database
# is left to the constraints (the importer matched existing debtors and arrears first), and
# outstanding amounts are re-checked with the arrear rows locked.

IMPORT_CHUNK = 1000


LEDGER_DEBTOR_FIELDS = ("village_id", "kind", "name", "national_id", "credit_code", "phone", "address")
_NEW_DEBTOR = {
    "is_blacklisted": False, "blacklist_reason": "", "blacklisted_on": None,
    "litigation_status": LitigationStatus.NONE.value, "case_number": "",
}


def ledger_debtors_create(
    *, debtors: Iterable[dict[str, Any]], total: int, villages: Iterable[int], created_by: User,
    import_batch: ImportBatch | None,
) -> list[int]:
    """``debtors``: ``total`` dicts of :data:`LEDGER_DEBTOR_FIELDS`, or an iterable making
    them; ``villages``: the ids of their villages, checked first. Each debtor is normalised
    and checked as ``debtor_create`` does (the database constraints are left to the insert),
    then written -> their pks."""
    villages = _checked_villages(villages, created_by)
    now = timezone.now()

    def checked():
        for values in debtors:
            if values["village_id"] not in villages:
                raise ValueError(f"village {values['village_id']} is not among the villages checked")
            debtor = SimpleNamespace(**_NEW_DEBTOR, **{field: values[field] for field in LEDGER_DEBTOR_FIELDS})
            _normalise_debtor(debtor)
            _validate_debtor(debtor, check_database=False)
            yield {**vars(debtor), "created_at": now, "import_batch_id": import_batch and import_batch.pk}

    pks = bulk_insert(Debtor, checked(), count=total, chunk=IMPORT_CHUNK)
    _chain_written(FactKind.DEBTOR, Debtor, pks, villages)
    return pks


def _chain_written(kind, model, pks, villages):
    """Chain the rows ``bulk_insert`` just wrote (``pks``), as the database holds them: read
    back a chunk at a time (an import's 100,000 rows are never all in memory), per township
    (``villages``: {id: village with work area and zone})."""
    township_of = {pk: village.work_area.zone.township_id for pk, village in villages.items()}
    fields = FACTS[kind].fields
    for start in range(0, len(pks), IMPORT_CHUNK):
        by_township = {}
        for row in model.objects.filter(pk__in=pks[start:start + IMPORT_CHUNK]).order_by("pk").values("id", *fields):
            by_township.setdefault(township_of[row["village_id"]], []).append((kind, row))
        for township_id, facts in by_township.items():
            chain_append(township_id=township_id, facts=facts)


def _checked_villages(ids, user, campaign=None):
    """The villages a ledger writes to, checked before it is written (while the rows are
    written nothing else can be asked of the database) -> {id: village}."""
    villages = {village.pk: village for village in Village.objects.select_related("work_area__zone").filter(pk__in=ids)}
    for village in villages.values():
        _check_writer(user, village)
        if campaign is not None and campaign.township_id != village.work_area.zone.township_id:
            raise ValidationError({"campaign": "所选清收行动不属于该村所在乡镇。"})
    return villages


def ledger_debtor_numbers_fill(*, numbers: dict[int, tuple[str, str]], updated_by: User) -> list[Debtor]:
    """``numbers``: debtor pk -> ("national_id" or "credit_code", number), for debtors
    registered without one that a ledger now names. Only a blank number is filled; one filled
    meanwhile by someone else must be the same, or nothing is written."""
    if not numbers:
        return []
    debtors = list(
        Debtor.objects.select_for_update(of=("self",)).select_related("village__work_area__zone").filter(pk__in=numbers)
    )
    for debtor in debtors:
        _check_writer(updated_by, debtor.village)
        field, number = numbers[debtor.pk]
        current = getattr(debtor, field)
        if current and current != number:
            raise ValidationError({field: f"欠款人“{debtor.name}”已登记了另一个号码，与台账不符。"})
        setattr(debtor, field, number)
        _normalise_debtor(debtor)
        _validate_debtor(debtor, check_database=False)
    bulk_update_with_history(debtors, Debtor, ["national_id", "credit_code"], batch_size=IMPORT_CHUNK, default_user=updated_by)
    by_township = {}
    for debtor in debtors:
        by_township.setdefault(township_of_village(debtor.village), []).append((FactKind.DEBTOR, debtor))
    for township_id, facts in by_township.items():
        chain_append(township_id=township_id, facts=facts)
    return debtors


LEDGER_ARREAR_FIELDS = ("village_id", "debtor_id", "category", "description", "incurred_on", "principal", "ledger_amount")


def ledger_arrears_create(
    *, arrears: Iterable[dict[str, Any]], total: int, villages: Iterable[int], campaign: Campaign, created_by: User,
    import_batch: ImportBatch | None, progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """``arrears``: ``total`` dicts of :data:`LEDGER_ARREAR_FIELDS` (``ledger_amount``: the
    ledger's original amount, when more than the principal), or an iterable making them, so
    that 100,000 need not be in memory at once; ``villages``: the ids of their villages,
    checked first. Each arrear is checked, then written -> their pks. ``progress(done,
    total)`` is called as they are written."""
    villages = _checked_villages(villages, created_by, campaign)
    constants = {
        "campaign_id": campaign.pk, "created_by_id": created_by and created_by.pk, "created_at": timezone.now(),
        "import_batch_id": import_batch and import_batch.pk,
    }
    today = timezone.localdate()

    def checked():
        for values in arrears:
            if values["village_id"] not in villages:
                raise ValueError(f"village {values['village_id']} is not among the villages checked")
            if values["category"] not in ARREAR_CATEGORIES:
                raise ValidationError({"category": "欠款类别无效。"})
            principal = _clean_amount(values["principal"], "principal", "欠款金额")
            _clean_debt_date(values["incurred_on"], today)
            if values["ledger_amount"] is not None and values["ledger_amount"] < principal:
                raise ValidationError({"principal": "尚欠金额不能大于台账原欠款金额。"})
            yield {
                "village_id": values["village_id"], "debtor_id": values["debtor_id"], "category": values["category"],
                "description": (values["description"] or "").strip(), "incurred_on": values["incurred_on"],
                "principal": principal, "outstanding": principal, "ledger_amount": values["ledger_amount"],
                **constants,
            }

    pks = bulk_insert(Arrear, checked(), count=total, chunk=IMPORT_CHUNK, progress=progress and (lambda done: progress(done, total)))
    _chain_written(FactKind.ARREAR, Arrear, pks, villages)
    return pks


def ledger_repayments_create(
    *, repayments: list[Repayment], recorded_by: User, import_batch: ImportBatch | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Repayment]:
    """``repayments``: unsaved ``Repayment`` objects (arrear_id, amount, kind, received_on,
    receipt_number, note). Their arrears are locked, and every arrear's outstanding must
    cover the sum of its new repayments, or nothing is written."""
    by_arrear = {}
    for repayment in repayments:
        repayment.amount = _clean_amount(repayment.amount)
        if repayment.kind not in RepaymentKind.values:
            raise ValidationError({"kind": "请选择清收方式：现金、转账、以物抵债或抵顶债务。"})
        if repayment.kind in OFFSET_KINDS and not (repayment.note or "").strip():
            raise ValidationError({"note": "以物抵债、抵顶债务须在“备注/凭据”中写明抵债资产或抵顶的债务、估价依据及凭据。"})
        _clean_date_not_future(repayment.received_on, "received_on", "收款日期")
        by_arrear.setdefault(repayment.arrear_id, []).append(repayment)
    now = timezone.now()
    with transaction.atomic():
        locked = {
            arrear.pk: arrear
            for arrear in _arrears_to_lock().select_related("village").filter(pk__in=by_arrear)
        }
        for arrear_id, entries in by_arrear.items():
            arrear = locked[arrear_id]
            _check_writer(recorded_by, arrear.village)
            total = sum(entry.amount for entry in entries)
            if total > arrear.outstanding:
                raise ValidationError(
                    {"amount": f"{arrear}：新还款共 {fmt_yuan(total)} 元，超过尚欠金额 {fmt_yuan(arrear.outstanding)} 元。"}
                )
            for entry in entries:
                if entry.received_on < arrear.incurred_on:
                    raise ValidationError({"received_on": "收款日期不能早于欠款发生日期。"})
                entry.receipt_number = (entry.receipt_number or "").strip()
                entry.note = (entry.note or "").strip()
                entry.recorded_by, entry.recorded_at, entry.import_batch = recorded_by, now, import_batch
            arrear.outstanding -= total
        created = []
        for start in range(0, len(repayments), IMPORT_CHUNK):
            created += Repayment.objects.bulk_create(repayments[start:start + IMPORT_CHUNK])
            if progress:
                progress(len(created), len(repayments))
        Arrear.objects.bulk_update(list(locked.values()), ["outstanding"], batch_size=IMPORT_CHUNK)
        by_township = {}
        for entry in created:
            by_township.setdefault(locked[entry.arrear_id].chain_township_id, []).append((FactKind.REPAYMENT, entry))
        for township_id, facts in by_township.items():
            chain_append(township_id=township_id, facts=facts)
    return created
