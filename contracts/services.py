"""Writes for contracts cleanup (清合同). Views, the demo data and the scheduled task all
come here, so the workflow can only move one step at a time and every move is recorded."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.money import ZERO, fmt_yuan, plain_decimal, to_money
from integrity.chain import chain_append, township_of_village
from integrity.choices import FactKind
from recovery.choices import ArrearCategory
from recovery.models import Arrear, Campaign, Debtor
from recovery.services import _check_writer, arrear_create, debtor_create
from villages.models import Village

from .choices import NEXT_STATUSES, OUTCOMES, AttachmentKind, ContractStatus, FindingKind
from .models import Contract, ContractAttachment, ContractFeePayment, ContractFinding, ContractStatusChange

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from core.models import User
    from imports.models import ImportBatch

log = logging.getLogger(__name__)

CONTRACT_FIELDS = (
    "number", "debtor", "counterparty_name", "counterparty_kind", "category", "subject", "area_mu",
    "annual_fee", "start_date", "end_date", "fee_due_month", "fee_due_day", "form", "democratic_procedure",
)
# Files are checked by their first bytes, not only by name.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def _decimal(value, field, label, *, places=2, allow_zero=True):
    try:
        number = plain_decimal(value)  # not 1_000, 1E2 or ١٢٣ (which Decimal() would take)
    except ValueError:
        raise ValidationError({field: f"{label}不是有效数字。"}) from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise ValidationError({field: f"{label}必须{'大于' if not allow_zero else '不小于'} 0。"})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError({field: f"{label}最多保留 {places} 位小数。"})
    return number


def _validate(contract, *, check_database=True):
    """The rules of a contract's fields. ``check_database=False`` is for
    ``ledger_contracts_create``, which checks numbers, villages and debtors for all the
    contracts at once (``contract.debtor`` must then be set as an object, not only an id) and
    leaves the constraints to the database."""
    errors = {}
    if contract.debtor_id and contract.debtor.village_id != contract.village_id:
        errors["debtor"] = "承包方须是本村台账中的欠款人。"
    if contract.debtor_id and not contract.counterparty_name:
        contract.counterparty_name = contract.debtor.name
        contract.counterparty_kind = contract.debtor.kind
    if not (contract.counterparty_name or "").strip():
        errors["counterparty_name"] = "请填写承包方名称，或选择台账中的欠款人。"
    try:
        date(2000, contract.fee_due_month, contract.fee_due_day)  # a leap year: 2 月 29 日 is fine
    except (TypeError, ValueError):
        errors["fee_due_day"] = "每年缴费日期无效（例如 12 月 31 日）。"
    if isinstance(contract.start_date, date) and isinstance(contract.end_date, date) and contract.end_date < contract.start_date:
        errors["end_date"] = "终止日期不能早于起始日期。"
    number = (contract.number or "").strip()
    if check_database and number and Contract.objects.filter(village_id=contract.village_id, number=number).exclude(pk=contract.pk).exists():
        errors["number"] = "本村已有该编号的合同。"
    if errors:
        raise ValidationError(errors)
    contract.area_mu = _decimal(contract.area_mu, "area_mu", "面积")
    contract.annual_fee = _decimal(contract.annual_fee, "annual_fee", "年承包费")
    if check_database:
        contract.full_clean(exclude=["renewed_from", "debtor"])
    else:
        contract.full_clean(
            exclude=["renewed_from", "debtor", "village", "import_batch"], validate_unique=False, validate_constraints=False,
        )


def contract_create(*, village: Village, created_by: User, **fields: Any) -> Contract:
    _check_writer(created_by, village)
    contract = Contract(village=village, **{k: v for k, v in fields.items() if k in CONTRACT_FIELDS})
    contract.number = (contract.number or "").strip()
    contract.counterparty_name = (contract.counterparty_name or "").strip()
    _validate(contract)
    contract._history_user = created_by  # who, in the change history, in a request or not
    with transaction.atomic():
        contract.save()
        step = ContractStatusChange.objects.create(contract=contract, to_status=contract.status, note="登记合同", changed_by=created_by)
        chain_append(township_id=township_of_village(village), facts=[(FactKind.STATUS_STEP, step)])
    return contract


def contract_update(*, contract: Contract, updated_by: User, **fields: Any) -> Contract:
    """Descriptive fields only; the status moves through ``contract_advance``."""
    _check_writer(updated_by, contract.village)
    for key, value in fields.items():
        if key in CONTRACT_FIELDS:
            setattr(contract, key, value)
    _validate(contract)
    contract._history_user = updated_by
    with transaction.atomic():
        contract.save()
    return contract


def contract_advance(
    *, contract: Contract, to_status: str, changed_by: User, note: str = "", verified_area_mu: Decimal | None = None,
    recovered_area_mu: Decimal | None = None, renewal: dict[str, Any] | None = None,
) -> Contract:
    """Moves a contract one step along 待查找 → 已查找 → 面积已核实 → 已调查 → 规范 / 重签 /
    终止收回, recording who, when and why. 面积已核实 needs the verified area; 终止收回 the
    area recovered; 重签 the new contract (``renewal``: its fields), linked to the old one.
    Returns the contract (for 重签, the new one)."""
    _check_writer(changed_by, contract.village)
    note = (note or "").strip()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        allowed = NEXT_STATUSES[ContractStatus(locked.status)]
        if to_status not in allowed:
            names = "、".join(s.label for s in allowed) or "无（清理已完成）"
            raise ValidationError({"to_status": f"当前状态“{locked.get_status_display()}”下一步只能是：{names}。"})
        updates = {"status": to_status}
        if to_status == ContractStatus.AREA_VERIFIED:
            if verified_area_mu in (None, ""):
                raise ValidationError({"verified_area_mu": "请填写核实面积（亩）。"})
            updates["verified_area_mu"] = _decimal(verified_area_mu, "verified_area_mu", "核实面积")
        if to_status == ContractStatus.TERMINATED:
            if recovered_area_mu in (None, ""):
                raise ValidationError({"recovered_area_mu": "请填写收回面积（亩），收回资产的填 0。"})
            updates["recovered_area_mu"] = _decimal(recovered_area_mu, "recovered_area_mu", "收回面积")
        if to_status in OUTCOMES and not note:
            raise ValidationError({"note": "请填写处理结果说明。"})
        from_status = locked.status
        new = None
        if to_status == ContractStatus.RESIGNED:
            if not renewal:
                raise ValidationError({"to_status": "重签须填写新合同信息。"})
            fields = {k: v for k, v in renewal.items() if k in CONTRACT_FIELDS}
            fields.setdefault("debtor", locked.debtor)
            fields.setdefault("counterparty_name", locked.counterparty_name)
            fields.setdefault("counterparty_kind", locked.counterparty_kind)
            fields.setdefault("category", locked.category)
            fields.setdefault("form", locked.form)
            fields.setdefault("fee_due_month", locked.fee_due_month)
            fields.setdefault("fee_due_day", locked.fee_due_day)
            fields.setdefault("subject", locked.subject)
            fields.setdefault("area_mu", locked.verified_area_mu if locked.verified_area_mu is not None else locked.area_mu)
            new = Contract(village=locked.village, renewed_from=locked, status=ContractStatus.STANDARDISED, **fields)
            new.number = (new.number or "").strip()
            _validate(new)
        for key, value in updates.items():
            setattr(locked, key, value)
        locked._history_user = changed_by
        locked.save(update_fields=list(updates))
        steps = [ContractStatusChange.objects.create(
            contract=locked, from_status=from_status, to_status=to_status, note=note, changed_by=changed_by,
        )]
        if new is not None:
            new._history_user = changed_by
            new.save()
            gain = new.annual_fee - locked.annual_fee
            steps.append(ContractStatusChange.objects.create(
                contract=new, to_status=new.status, changed_by=changed_by,
                note=f"由合同 {locked.number} 重签，年承包费变化 {fmt_yuan(gain)} 元",
            ))
        chain_append(
            township_id=township_of_village(locked.village), facts=[(FactKind.STATUS_STEP, step) for step in steps],
        )
    contract.refresh_from_db()
    return new or contract


def finding_add(*, contract: Contract, kind: str, text: str, recorded_by: User) -> ContractFinding:
    _check_writer(recorded_by, contract.village)
    if kind not in FindingKind.values:
        raise ValidationError({"kind": "问题类型无效。"})
    text = (text or "").strip()
    if kind == FindingKind.OTHER and not text:
        raise ValidationError({"text": "选择“其他”须填写说明。"})
    return ContractFinding.objects.create(contract=contract, kind=kind, text=text, recorded_by=recorded_by)


def finding_resolve(*, finding: ContractFinding, resolved_by: User) -> ContractFinding:
    _check_writer(resolved_by, finding.contract.village)
    if not finding.is_open:
        return finding
    finding.is_open = False
    finding.resolved_at = timezone.now()
    finding.save(update_fields=["is_open", "resolved_at"])
    return finding


def attachment_add(*, contract: Contract, kind: str, uploaded_file: UploadedFile, uploaded_by: User) -> ContractAttachment:
    """PDF, JPG or PNG, recognised by content, within CONTRACT_ATTACHMENT_MAX_BYTES."""
    _check_writer(uploaded_by, contract.village)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": "附件类型无效。"})
    name = uploaded_file.name or ""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    limit = settings.CONTRACT_ATTACHMENT_MAX_BYTES
    if uploaded_file.size > limit:
        raise ValidationError({"file": f"文件过大：{uploaded_file.size / 1048576:.1f} MB，上限 {limit / 1048576:.0f} MB。"})
    if extension not in EXTENSIONS:
        raise ValidationError({"file": "只能上传 PDF、JPG 或 PNG 文件。"})
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type = EXTENSIONS[extension]
    if not head.startswith(SIGNATURES[content_type]):
        raise ValidationError({"file": f"文件内容不是 {extension[1:].upper()}（可能改了扩展名），请上传原始扫描件。"})
    attachment = ContractAttachment(
        contract=contract, kind=kind, original_name=name[:200], content_type=content_type,
        size=uploaded_file.size, uploaded_by=uploaded_by,
    )
    with transaction.atomic():
        attachment.file.save(f"{kind}{extension}", uploaded_file, save=False)
        attachment.save()
    return attachment


def _due_date(contract, year):
    last = calendar.monthrange(year, contract.fee_due_month)[1]
    return date(year, contract.fee_due_month, min(contract.fee_due_day, last))


def fee_payment_create(
    *, contract: Contract, year: int, amount: Decimal | str, received_on: date | None, recorded_by: User,
    receipt_number: str = "",
) -> ContractFeePayment:
    """An annual fee paid. Once a year's unpaid fee has become an arrear, money for it is
    entered as a repayment of that arrear instead."""
    _check_writer(recorded_by, contract.village)
    amount = _decimal(amount, "amount", "金额", allow_zero=False)
    if not (contract.start_date.year <= int(year) <= contract.end_date.year):
        raise ValidationError({"year": f"年度应在合同期内（{contract.start_date.year}—{contract.end_date.year}）。"})
    if received_on is None or received_on > timezone.localdate():
        raise ValidationError({"received_on": "收款日期不能为空，也不能晚于今天。"})
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if Arrear.objects.filter(contract=locked, contract_year=year).exists():
            raise ValidationError({"year": f"{year} 年度的承包费已转为欠款，请在“录入清收”中录入这笔收款。"})
        paid = to_money(locked.fee_payments.filter(year=year).aggregate(t=Sum("amount"))["t"] or ZERO)
        if paid + amount > locked.annual_fee:
            raise ValidationError({"amount": (
                f"{year} 年度应缴 {fmt_yuan(locked.annual_fee)} 元，已缴 {fmt_yuan(paid)} 元，"
                f"本次最多 {fmt_yuan(locked.annual_fee - paid)} 元。"
            )})
        payment = ContractFeePayment.objects.create(
            contract=locked, year=year, amount=amount, received_on=received_on,
            receipt_number=(receipt_number or "").strip(), recorded_by=recorded_by,
        )
        chain_append(township_id=township_of_village(contract.village), facts=[(FactKind.FEE_PAYMENT, payment)])
        return payment


def fee_arrears_create(*, today: date | None = None) -> list[Arrear]:
    """Every unpaid annual fee past its due date becomes an Arrear (承包费) of the contract's
    counterparty, once per contract and year, in the campaign running in that township.
    Safe to run twice or concurrently (unique per contract-year). Returns the new arrears."""
    today = today or timezone.localdate()
    created = []
    contracts = (
        Contract.objects.filter(annual_fee__gt=0, start_date__lte=today)
        .select_related("village__work_area__zone", "debtor")
    )
    ended = dict(
        ContractStatusChange.objects.filter(to_status__in=[ContractStatus.RESIGNED, ContractStatus.TERMINATED])
        .values_list("contract_id", "changed_at")
    )
    for contract in contracts:
        # A re-signed or terminated contract owes the fees that fell due before its outcome.
        term_end = contract.end_date
        if contract.status in (ContractStatus.RESIGNED, ContractStatus.TERMINATED) and contract.pk in ended:
            term_end = min(term_end, timezone.localdate(ended[contract.pk]))
        township_id = contract.village.work_area.zone.township_id
        campaign = (
            Campaign.objects.filter(township_id=township_id, is_active=True, start_date__lte=today, end_date__gte=today)
            .order_by("-start_date").first()
        )
        if campaign is None:
            continue
        for year in range(contract.start_date.year, today.year + 1):
            due = _due_date(contract, year)
            if not (contract.start_date <= due <= term_end) or due >= today:
                continue
            arrear = _fee_to_arrear(contract, year, due, campaign)
            if arrear is not None:
                created.append(arrear)
    return created


def _fee_to_arrear(contract, year, due, campaign):
    if Arrear.objects.filter(contract=contract, contract_year=year).exists():
        return None
    try:
        with transaction.atomic():
            # Lock the contract row alone (PostgreSQL refuses FOR UPDATE across the nullable
            # debtor join), then read what was paid under the lock.
            locked = Contract.objects.select_for_update().get(pk=contract.pk)
            if Arrear.objects.filter(contract=locked, contract_year=year).exists():
                return None
            paid = to_money(locked.fee_payments.filter(year=year).aggregate(t=Sum("amount"))["t"] or ZERO)
            unpaid = locked.annual_fee - paid
            if unpaid <= 0:
                return None
            debtor = locked.debtor
            if debtor is None:
                debtor = debtor_create(
                    village=contract.village, created_by=None, by_system=True,
                    name=locked.counterparty_name, kind=locked.counterparty_kind,
                )
                locked.debtor = debtor
                locked.save(update_fields=["debtor"])  # a save, so the change history records it
                contract.debtor = debtor
            arrear = arrear_create(
                debtor=debtor, campaign=campaign, category=ArrearCategory.CONTRACT_FEE, principal=unpaid,
                incurred_on=due, created_by=None, by_system=True, contract=locked, contract_year=year,
                description=f"合同 {locked.number} {year} 年度承包费逾期未缴",
            )
    except IntegrityError:
        return None  # another run created it first
    except ValidationError as error:
        log.warning("contract %s year %s: fee not turned into an arrear: %s", contract.pk, year, error.messages)
        return None
    log.info("contract %s: %s year %s unpaid fee %s became an arrear", contract.pk, contract.number, year, arrear.principal)
    return arrear


# ---- ledger imports ----------------------------------------------------------------------

IMPORT_CHUNK = 1000


def ledger_contracts_create(
    *, contracts: list[Contract], created_by: User, import_batch: ImportBatch | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Contract]:
    """``contracts``: unsaved ``Contract`` objects (``village_id``, the fields of
    ``CONTRACT_FIELDS``, ``debtor_id`` when linked to the village's debtor) -> the same
    objects, saved with ``import_batch`` and the first status, each with the 登记合同 entry
    in its history, as ``contract_create`` does. The rules are ``contract_create``'s, checked
    for all the contracts at once; one that breaks them raises ``ValidationError`` naming it,
    and nothing is written. ``progress(done, total)`` is called after each chunk."""
    villages = Village.objects.select_related("work_area__zone").in_bulk({contract.village_id for contract in contracts})
    if len(villages) != len({contract.village_id for contract in contracts}):
        raise ValidationError({"village": "村居不存在。"})
    for village in villages.values():
        _check_writer(created_by, village)
    debtors = Debtor.objects.in_bulk({contract.debtor_id for contract in contracts if contract.debtor_id})
    numbers = {contract.village_id: set() for contract in contracts}
    for village_id, number in Contract.objects.filter(village_id__in=villages).values_list("village_id", "number"):
        numbers[village_id].add(number)
    now = timezone.now()
    for contract in contracts:
        village = villages[contract.village_id]
        contract.number = (contract.number or "").strip()
        contract.counterparty_name = (contract.counterparty_name or "").strip()
        where = f"{village.name}合同“{contract.number}”"
        if contract.debtor_id:
            debtor = debtors.get(contract.debtor_id)
            if debtor is None:
                raise ValidationError({"debtor": f"{where}：台账中没有所关联的欠款人。"})
            contract.debtor = debtor
        if contract.number in numbers[contract.village_id]:
            raise ValidationError({"number": f"{where}：本村已有该编号的合同。"})
        numbers[contract.village_id].add(contract.number)
        # What contract_create never takes from its caller.
        contract.status = ContractStatus.TO_FIND
        contract.renewed_from = None
        contract.verified_area_mu = contract.recovered_area_mu = None
        contract.created_at, contract.import_batch = now, import_batch
        try:
            _validate(contract, check_database=False)
        except ValidationError as error:
            raise ValidationError(f"{where}：{'；'.join(error.messages)}") from None
    created = []
    with transaction.atomic():
        for start in range(0, len(contracts), IMPORT_CHUNK):
            chunk = bulk_create_with_history(contracts[start:start + IMPORT_CHUNK], Contract, default_user=created_by)
            steps = ContractStatusChange.objects.bulk_create([
                ContractStatusChange(
                    contract=contract, to_status=contract.status, changed_by=created_by, changed_at=now,
                    note=f"登记合同（第 {import_batch.pk} 批台账导入）" if import_batch else "登记合同（台账导入）",
                )
                for contract in chunk
            ])
            by_township = {}
            for step in steps:
                township_id = villages[step.contract.village_id].work_area.zone.township_id
                by_township.setdefault(township_id, []).append((FactKind.STATUS_STEP, step))
            for township_id, facts in by_township.items():
                chain_append(township_id=township_id, facts=facts)
            created += chunk
            if progress:
                progress(len(created), len(contracts))
    return created
