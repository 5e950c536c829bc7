"""The villages' ledgers of debtors and arrears, and of repayments, as imports
(see ``imports/ledgers.py`` for the steps every ledger shares). Registered in
``RecoveryConfig.ready()``.

Matching, the same on preview and on import:

- A row's debtor is the village's debtor with the row's 身份证号 (or 统一社会信用代码); a row
  without one is the village's only debtor of that name, in the database or earlier in the
  file. Several of that name is an error (fill in the 身份证号), never a pick. A number not
  registered in the village matches the village's only debtor of that name registered
  without any number (a ledger imported again with the numbers filled in).
- An arrear is already registered when the debtor has one in the campaign with the same
  category, 发生日期 and ledger amount (欠款金额); that row is skipped, so an updated ledger
  imported later adds only what is new.
- A repayment is already registered when one of the debtor's arrears in the campaign (of
  the row's 类别, if given; cleared ones too) has one with the same date, amount, way and
  收据号. One that was registered and then reversed (冲正) is not registered again: the
  reversal was someone's deliberate correction, and the preview lists the row as skipped so
  that staff can enter it by hand if the ledger is right.
"""

from collections import Counter, defaultdict

from core.exports import MONEY_FORMAT
from core.money import fmt_yuan
from core.validators import mask_national_id
from imports.cells import (
    NATIONAL_ID,
    YUAN,
    parse_amount,
    parse_choice,
    parse_credit_code,
    parse_date,
    parse_identity_number,
    parse_name,
    parse_national_id,
    parse_phone,
    parse_text,
)
from imports.headers import Vocabulary
from imports.ledgers import LedgerKind, Plan, RowReader, TemplateColumn, preview_table, village_names

from .choices import OFFSET_KINDS, ArrearCategory, DebtorKind, RepaymentKind
from .models import EARLIEST_DEBT_DATE, Arrear, Debtor, Repayment
from .services import (
    LEDGER_DEBTOR_FIELDS,
    ledger_arrears_create,
    ledger_debtor_numbers_fill,
    ledger_debtors_create,
    ledger_repayments_create,
)

CATEGORY_ALIASES = {
    "土地承包费": ArrearCategory.CONTRACT_FEE, "承包金": ArrearCategory.CONTRACT_FEE,
    "租金": ArrearCategory.LEASE_FEE, "房租": ArrearCategory.LEASE_FEE,
    "借支": ArrearCategory.LOAN, "欠款": ArrearCategory.OTHER,
    "工程欠款": ArrearCategory.CONSTRUCTION,
}
KIND_ALIASES = {"银行转账": RepaymentKind.TRANSFER, "转帐": RepaymentKind.TRANSFER, "现款": RepaymentKind.CASH}
DEBTOR_KIND_ALIASES = {"自然人": DebtorKind.PERSON, "企业": DebtorKind.ORGANISATION, "公司": DebtorKind.ORGANISATION}

IDENTITY_NUMBER = "证件号码"
IDENTITY_SYNONYMS = {
    "身份证号": ("身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码"),
    "统一社会信用代码": ("统一社会信用代码", "社会信用代码", "信用代码"),
    IDENTITY_NUMBER: (
        "证件号码", "证件号", "证照号码", "身份证号/信用代码", "身份证号/统一社会信用代码", "身份证号码/统一社会信用代码",
        "信用代码/身份证号", "统一社会信用代码/身份证号", "统一社会信用代码/身份证号码", "身份证号或统一社会信用代码",
        "身份证号或信用代码", "身份证/信用代码", "身份证号/社会信用代码",
    ),
}
"""What ledgers call a debtor's identity numbers (contracts' ledgers use them too). A
column of either number (``证件号码``, ``身份证号/信用代码``) is read value by value by its
shape (:func:`read_identity_numbers`)."""
IDENTITY_HEADERS = ("身份证号", "统一社会信用代码", IDENTITY_NUMBER)

DEBTOR_VOCABULARY = Vocabulary(synonyms={
    "姓名": ("姓名", "姓名/名称", "欠款人", "欠款人姓名", "欠款人名称", "户名", "户主姓名", "债务人", "债务人姓名", "欠款单位", "名称"),
    **IDENTITY_SYNONYMS,
    "联系电话": ("联系电话", "电话", "电话号码", "手机", "手机号", "手机号码", "联系方式"),
    "地址": ("地址", "住址", "家庭住址", "联系地址"),
})
ARREARS_VOCABULARY = DEBTOR_VOCABULARY | Vocabulary(
    synonyms={
        "类别": ("类别", "欠款类别", "欠款类型", "款项类别", "欠款性质"),
        "说明": ("说明", "欠款说明", "欠款事由", "事由", "摘要", "欠款原因"),
        "发生日期": ("发生日期", "日期", "借款日期", "欠款日期", "发生时间", "形成日期", "形成时间", "欠款时间"),
        "欠款金额": ("欠款金额", "金额", "欠款额", "欠款数额", "欠款数", "欠款"),
        "尚欠金额": ("尚欠金额", "欠款余额", "余额", "尚欠"),
    },
    money=frozenset({"欠款金额", "尚欠金额"}),
)
REPAYMENTS_VOCABULARY = DEBTOR_VOCABULARY | Vocabulary(
    synonyms={
        "类别": ("类别", "欠款类别", "欠款类型", "款项类别", "欠款性质"),
        "还款金额": ("还款金额", "还款额", "清收金额", "收回金额", "收款金额", "金额"),
        "收款日期": ("收款日期", "还款日期", "还款时间", "清收日期", "收款时间", "日期"),
        "还款方式": ("还款方式", "方式", "清收方式", "收款方式"),
        "收据号": ("收据号", "收据编号", "收据号码", "票据号"),
        "备注": ("备注", "备注/凭据"),
    },
    money=frozenset({"还款金额"}),
)


def _not_future(read, header, day, today):
    if day is not None and day > today:
        read.fail(header, f"{day:%Y-%m-%d} 晚于今天。")


def read_identity_numbers(read, values):
    """``values["national_id"]`` and ``values["credit_code"]`` from their columns and from a
    column of either number, whose value goes where its shape says (an 18-character ID for a
    person, a credit code for an organisation: which makes the row's kind, see
    :func:`read_debtor_kind`); a number that disagrees with its own column is an error."""
    values["national_id"] = read("身份证号", parse_national_id, required=False) or ""
    values["credit_code"] = read("统一社会信用代码", parse_credit_code) or ""
    field, number = read(IDENTITY_NUMBER, parse_identity_number) or ("", "")
    if number:
        if values[field] and values[field] != number:
            noun = "身份证号" if field == NATIONAL_ID else "统一社会信用代码"
            read.fail(IDENTITY_NUMBER, f"与本行“{noun}”列的号码不一致，请核对后只填一处。")
        values[field] = number
    return values


def identity_problem(row, header, message):
    """``row.problem``, placed on the 证件号码 column when the row's number came from there."""
    if header in IDENTITY_HEADERS[:2] and header not in row.columns and IDENTITY_NUMBER in row.columns:
        header = IDENTITY_NUMBER
    return row.problem(header, message)


def _debtor_identity(read):
    """The debtor columns shared by both ledgers -> dict (errors collected in ``read``)."""
    return read_identity_numbers(read, {"name": read("姓名", parse_name)})


def read_debtor_kind(read, values, *, noun):
    """The ``{noun}类型`` column (个人/单位; blank: 单位 when a 统一社会信用代码 is given, else
    个人), checked against the identity numbers already in ``values`` -> (kind, stated)."""
    header = f"{noun}类型"
    kind = read(header, parse_choice, DebtorKind, noun=header, aliases=DEBTOR_KIND_ALIASES, required=False)
    stated = kind is not None
    if kind is None:
        kind = DebtorKind.ORGANISATION if values["credit_code"] else DebtorKind.PERSON
    if kind == DebtorKind.PERSON and values["credit_code"]:
        read.fail("统一社会信用代码", f"个人{noun}不填统一社会信用代码；如是单位，请在“{header}”填“单位”。")
    if kind == DebtorKind.ORGANISATION and values["national_id"]:
        read.fail("身份证号", f"单位{noun}不填身份证号。")
    return kind, stated


class DebtorMatcher:
    """Resolves rows to debtors of their village: existing (pk) or new (a key shared by the
    rows of the same new debtor). Problems are collected, one per row at most."""

    def __init__(self, rows, *, allow_new):
        self.allow_new = allow_new
        self.problems = []
        self.refs = {}  # id(row) -> int pk | ("new", key)
        self.matched_by = {}  # pk -> how it was matched (first row)
        self.new_rows = {}  # new key -> first row
        self.numbers_to_fill = {}  # pk of a debtor registered without a number -> (field, number)
        villages = {row.village_id for row in rows}
        by_id, by_code, by_name = {}, {}, defaultdict(list)
        self.existing = {}
        for debtor in Debtor.objects.filter(village_id__in=villages).values("pk", "village_id", "kind", "name", "national_id", "credit_code"):
            self.existing[debtor["pk"]] = debtor
            if debtor["national_id"]:
                by_id[debtor["village_id"], debtor["national_id"]] = debtor["pk"]
            if debtor["credit_code"]:
                by_code[debtor["village_id"], debtor["credit_code"]] = debtor["pk"]
            by_name[debtor["village_id"], debtor["name"]].append(debtor["pk"])
        self._resolve(rows, by_id, by_code, by_name)

    def _resolve(self, rows, by_id, by_code, by_name):
        file_names = defaultdict(set)  # (village, name) -> refs of rows with an identity number
        first_of = {}  # identity key -> first row
        claimed = {}  # pk of a debtor without a number -> the number a row matched it with
        for row in rows:
            values = row.values
            for field, table, noun in (("national_id", by_id, "身份证号"), ("credit_code", by_code, "统一社会信用代码")):
                number = values[field]
                if not number:
                    continue
                key = (field, row.village_id, number)
                first = first_of.setdefault(key, row)
                if first is not row and first.values["name"] != values["name"]:
                    self._fail(row, noun, f"{noun}与{first.place}相同，但姓名是“{first.values['name']}”，这里是“{values['name']}”。")
                    break
                pk, how = table.get((row.village_id, number)), noun
                if pk is None:
                    # The number is new here: the village's debtor of that name registered
                    # without any number (by hand, or from an earlier ledger) is this one.
                    unnumbered = [
                        p for p in by_name.get((row.village_id, values["name"]), ())
                        if not self.existing[p]["national_id"] and not self.existing[p]["credit_code"]
                    ]
                    if len(unnumbered) > 1:
                        self._fail(
                            row, "姓名",
                            f"本村有 {len(unnumbered)} 个名为“{values['name']}”且未登记{noun}的欠款人，"
                            f"无法判断是哪一个：请先在系统中为他们补填{noun}。",
                        )
                        break
                    if unnumbered:
                        pk, how = unnumbered[0], f"姓名（系统中未登记{noun}）"
                        if claimed.setdefault(pk, number) != number:
                            self._fail(
                                row, noun,
                                f"本村名为“{values['name']}”的欠款人未登记{noun}，本文件中却有不同{noun}的同名欠款人，"
                                f"无法判断是哪一个：请先在系统中为其补填{noun}。",
                            )
                            break
                        fits = DebtorKind.PERSON if field == "national_id" else DebtorKind.ORGANISATION
                        if self.existing[pk]["kind"] == fits:
                            self.numbers_to_fill[pk] = (field, number)
                if pk is not None:
                    if self.existing[pk]["name"] != values["name"]:
                        self._fail(
                            row, noun,
                            f"本村已登记该{noun}（{self._mask(number)}）的欠款人是“{self.existing[pk]['name']}”，"
                            f"与本行姓名“{values['name']}”不符。",
                        )
                        break
                    self._match(row, pk, how)
                else:
                    self._new(row, key)
                file_names[row.village_id, values["name"]].add(self.refs[id(row)])
                break
        for row in rows:
            values = row.values
            if values["national_id"] or values["credit_code"] or id(row) in self.refs:
                continue
            name_key = (row.village_id, values["name"])
            candidates = set(by_name.get(name_key, ())) | file_names.get(name_key, set())
            if len(candidates) > 1:
                self._fail(row, "姓名", f"本村有 {len(candidates)} 个名为“{values['name']}”的欠款人，请填写身份证号（或统一社会信用代码）以区分。")
            elif candidates:
                ref = candidates.pop()
                if isinstance(ref, int):
                    self._match(row, ref, "姓名")
                else:
                    self.refs[id(row)] = ref
            else:
                self._new(row, ("name", row.village_id, values["name"]))
                file_names[name_key].add(self.refs[id(row)])

    @staticmethod
    def _mask(number):
        return mask_national_id(number) if len(number) == 18 and number[:17].isdigit() else number

    def _fail(self, row, header, message):
        self.problems.append(identity_problem(row, header, message))
        self.refs[id(row)] = None

    def _match(self, row, pk, how):
        self.refs[id(row)] = pk
        self.matched_by.setdefault(pk, (row, how))

    def _new(self, row, key):
        if not self.allow_new:
            self._fail(
                row, "姓名",
                f"本村没有找到欠款人“{row.values['name']}”{'（按身份证号）' if key[0] == 'national_id' else ''}，"
                "请先导入或登记该欠款人及其欠款。",
            )
            return
        ref = ("new", key)
        self.refs[id(row)] = ref
        self.new_rows.setdefault(ref, row)

    def ref(self, row):
        return self.refs.get(id(row))


# ---- debtors and their arrears -------------------------------------------------------------

class ArrearsLedger(LedgerKind):
    key = "arrears"
    label = "欠款人及欠款"
    needs_campaign = True
    required = ("姓名", "类别", "发生日期", "欠款金额")
    optional = (*IDENTITY_HEADERS, "欠款人类型", "联系电话", "地址", "说明", "尚欠金额")
    vocabulary = ARREARS_VOCABULARY
    columns = (
        TemplateColumn("村居", "示例村", 12, "村居名称或编号；每村一个工作表、表名写村名时可不填。"),
        TemplateColumn("姓名", "张三", 12, "欠款人姓名或单位名称。"),
        TemplateColumn("欠款人类型", "个人", 10, "个人或单位；不填时，有统一社会信用代码的为单位，否则为个人。"),
        TemplateColumn("身份证号", "370102198001011237", 22, "18 位，请保持“文本”格式，否则 Excel 会丢掉后几位。", "@"),
        TemplateColumn("统一社会信用代码", "", 22, "单位欠款人填写。", "@"),
        TemplateColumn("联系电话", "13812345678", 14, "手机号或座机（如 0539-1234567）。", "@"),
        TemplateColumn("地址", "示例村一组", 16),
        TemplateColumn("类别", "承包费", 12, "可填：" + "、".join(ArrearCategory.labels)),
        TemplateColumn("说明", "2019 年度东洼地块承包费", 24),
        TemplateColumn("发生日期", "2019-05-13", 12, "如 2019-5-13、2019.5.13、2019年5月13日。"),
        TemplateColumn("欠款金额", 12345.5, 14, "单位：元。表头写成“欠款金额（万元）”时按万元。", MONEY_FORMAT),
        TemplateColumn("尚欠金额", 10000, 14, "可不填；已还过一部分的，填现在还欠的金额。", MONEY_FORMAT),
    )

    def parse_row(self, cells, *, units, memo=None):
        read = RowReader(cells, memo)
        values = _debtor_identity(read)
        kind, _ = read_debtor_kind(read, values, noun="欠款人")
        values.update(
            kind=str(kind),
            phone=read("联系电话", parse_phone, required=False) or "",
            address=read("地址", parse_text, max_length=200) or "",
            category=str(read("类别", parse_choice, ArrearCategory, noun="欠款类别", aliases=CATEGORY_ALIASES) or ""),
            description=read("说明", parse_text, max_length=200) or "",
            incurred_on=read("发生日期", parse_date),
            amount=read("欠款金额", parse_amount, unit=units.get("欠款金额", YUAN)),
            outstanding=read("尚欠金额", parse_amount, unit=units.get("尚欠金额", YUAN), positive=False, required=False),
        )
        _not_future(read, "发生日期", values["incurred_on"], self.today)
        if values["incurred_on"] is not None and values["incurred_on"] < EARLIEST_DEBT_DATE:
            read.fail("发生日期", f"{values['incurred_on'].isoformat()} 早于 {EARLIEST_DEBT_DATE.isoformat()}，请核对。")
        amount, outstanding = values["amount"], values["outstanding"]
        if amount is not None and outstanding is not None and outstanding > amount:
            read.fail("尚欠金额", f"尚欠金额 {fmt_yuan(outstanding)} 元大于欠款金额 {fmt_yuan(amount)} 元。")
        return read.done(values)

    def plan(self, rows, *, batch):
        campaign = batch.campaign
        matcher = DebtorMatcher(rows, allow_new=True)
        problems = list(matcher.problems)
        existing = set()
        matched_pks = {ref for ref in matcher.refs.values() if isinstance(ref, int)}
        for arrear in Arrear.objects.filter(campaign=campaign, debtor_id__in=matched_pks).values(
            "debtor_id", "category", "incurred_on", "principal", "ledger_amount"
        ):
            existing.add((arrear["debtor_id"], arrear["category"], arrear["incurred_on"], arrear["ledger_amount"] or arrear["principal"]))
        seen = {}
        new_arrears, skipped = [], []
        for row in rows:
            ref = matcher.ref(row)
            if ref is None:
                continue
            values = row.values
            key = (ref, values["category"], values["incurred_on"], values["amount"])
            if key in existing:
                skipped.append((row, "已登记过这笔欠款"))
                continue
            if key in seen:
                problems.append(row.problem(
                    "欠款金额",
                    f"与{seen[key].place}是同一欠款人、同类别、同发生日期、同金额的欠款，无法判断是否重复，请核对后只保留一行。",
                ))
                continue
            seen[key] = row
            if values["outstanding"] is not None and values["outstanding"] == 0:
                skipped.append((row, "尚欠金额为 0（已结清），不导入"))
                continue
            new_arrears.append((row, ref))
        preview = self._preview(rows, matcher, new_arrears, skipped)
        return Plan(preview, problems, (matcher, new_arrears))

    def _preview(self, rows, matcher, new_arrears, skipped):
        names = village_names(rows)
        per_village = defaultdict(lambda: [0, set(), 0, 0])
        for row in rows:
            per_village[row.village_id][0] += 1
        for ref, row in matcher.new_rows.items():
            per_village[row.village_id][1].add(ref)
        total = 0
        for row, _ in new_arrears:
            owed = self._owed(row.values)
            per_village[row.village_id][2] += 1
            per_village[row.village_id][3] += owed
            total += owed
        matched = {pk for pk in matcher.matched_by}
        summary = [
            ["数据行", len(rows)],
            ["新增欠款人", len(matcher.new_rows)],
            ["已有欠款人（匹配上）", len(matched)],
            ["新增欠款", f"{len(new_arrears)} 笔"],
            ["新增欠款金额（元）", fmt_yuan(total)],
            ["跳过（已登记或已结清）", f"{len(skipped)} 行"],
        ]
        if matcher.numbers_to_fill:
            summary.insert(3, ["为已有欠款人补登身份证号或信用代码", len(matcher.numbers_to_fill)])
        tables = [
            preview_table("按村汇总", ["村居", "数据行", "新增欠款人", "新增欠款（笔）", "新增欠款金额（元）"], [
                [names.get(v), n, len(new), count, fmt_yuan(amount)]
                for v, (n, new, count, amount) in sorted(per_village.items(), key=lambda item: names.get(item[0], ""))
            ]),
            preview_table("新增欠款人", ["村居", "姓名", "身份证号/信用代码", "位置"], [
                [names.get(row.village_id), row.values["name"], _shown_id(row.values), row.place]
                for row in matcher.new_rows.values()
            ]),
            preview_table("匹配到的已有欠款人", ["村居", "姓名", "匹配依据", "位置"], [
                [names.get(row.village_id), row.values["name"], how, row.place]
                for row, how in matcher.matched_by.values()
            ]),
            preview_table("跳过的行", ["位置", "姓名", "原因"], [[row.place, row.values["name"], why] for row, why in skipped]),
        ]
        return {"summary": summary, "tables": tables}

    @staticmethod
    def _owed(values):
        return values["outstanding"] if values["outstanding"] is not None else values["amount"]

    def write(self, plan, *, batch, user, progress):
        matcher, new_arrears = plan.work
        new_debtors = (
            {"village_id": row.village_id, **{field: row.values[field] for field in LEDGER_DEBTOR_FIELDS[1:]}}
            for row in matcher.new_rows.values()
        )
        pks = ledger_debtors_create(
            debtors=new_debtors, total=len(matcher.new_rows), villages={row.village_id for row in matcher.new_rows.values()},
            created_by=user, import_batch=batch,
        )
        new_pks = dict(zip(matcher.new_rows, pks))
        ledger_debtor_numbers_fill(numbers=matcher.numbers_to_fill, updated_by=user)
        arrears = (
            {
                "village_id": row.village_id, "debtor_id": ref if isinstance(ref, int) else new_pks[ref],
                "category": row.values["category"], "description": row.values["description"],
                "incurred_on": row.values["incurred_on"], "principal": self._owed(row.values), "ledger_amount": row.values["amount"],
            }
            for row, ref in new_arrears
        )
        count = len(ledger_arrears_create(
            arrears=arrears, total=len(new_arrears), villages={row.village_id for row, _ in new_arrears},
            campaign=batch.campaign, created_by=user, import_batch=batch, progress=progress,
        ))
        total = sum((self._owed(row.values) for row, _ in new_arrears), start=0)
        return {
            "summary": [
                ["新增欠款人", len(pks)],
                ["新增欠款", f"{count} 笔"],
                ["新增欠款金额（元）", fmt_yuan(total)],
            ],
            "links": [["本批新增的欠款人", "recovery:debtor_list"], ["本批新增的欠款", "recovery:arrear_list"]],
        }


def _shown_id(values):
    if values["national_id"]:
        return mask_national_id(values["national_id"])
    return values["credit_code"]


# ---- repayments -----------------------------------------------------------------------------

class RepaymentsLedger(LedgerKind):
    key = "repayments"
    label = "清收记录"
    needs_campaign = True
    required = ("姓名", "还款金额", "收款日期", "还款方式")
    optional = (*IDENTITY_HEADERS, "类别", "收据号", "备注")
    vocabulary = REPAYMENTS_VOCABULARY
    columns = (
        TemplateColumn("村居", "示例村", 12, "村居名称或编号；每村一个工作表、表名写村名时可不填。"),
        TemplateColumn("姓名", "张三", 12, "须是本村已登记的欠款人。"),
        TemplateColumn("身份证号", "370102198001011237", 22, "本村有同名欠款人时必填；请保持“文本”格式。", "@"),
        TemplateColumn("类别", "承包费", 12, "欠款人有多笔未结清欠款时必填，用来确定还的是哪一笔。可填：" + "、".join(ArrearCategory.labels)),
        TemplateColumn("还款金额", 3000, 14, "单位：元。", MONEY_FORMAT),
        TemplateColumn("收款日期", "2026-11-20", 12, "如 2026-11-20、2026.11.20、2026年11月20日。"),
        TemplateColumn("还款方式", "现金", 10, "可填：" + "、".join(RepaymentKind.labels)),
        TemplateColumn("收据号", "NO.0012345", 14, "有收据的请填写，用来避免重复登记。", "@"),
        TemplateColumn("备注", "", 30, "以物抵债、抵顶债务必须写明抵债资产或抵顶的债务、估价依据及凭据。"),
    )

    def parse_row(self, cells, *, units, memo=None):
        read = RowReader(cells, memo)
        values = _debtor_identity(read)
        values.update(
            category=read("类别", parse_choice, ArrearCategory, noun="欠款类别", aliases=CATEGORY_ALIASES, required=False),
            amount=read("还款金额", parse_amount, unit=units.get("还款金额", YUAN)),
            received_on=read("收款日期", parse_date),
            kind=read("还款方式", parse_choice, RepaymentKind, noun="还款方式", aliases=KIND_ALIASES),
            receipt_number=read("收据号", parse_text, max_length=50) or "",
            note=read("备注", parse_text, max_length=200) or "",
        )
        values["category"] = str(values["category"]) if values["category"] else ""
        values["kind"] = str(values["kind"]) if values["kind"] else ""
        _not_future(read, "收款日期", values["received_on"], self.today)
        if values["kind"] in OFFSET_KINDS and not values["note"]:
            read.fail("备注", "以物抵债、抵顶债务须在备注中写明抵债资产或抵顶的债务、估价依据及凭据。")
        return read.done(values)

    def plan(self, rows, *, batch):
        matcher = DebtorMatcher(rows, allow_new=False)
        problems = list(matcher.problems)
        debtor_pks = {ref for ref in matcher.refs.values() if isinstance(ref, int)}
        debtor_arrears = defaultdict(list)  # cleared ones too: their repayments may be in the file again
        arrears = {}
        for arrear in Arrear.objects.filter(campaign=batch.campaign, debtor_id__in=debtor_pks).order_by("incurred_on", "pk"):
            debtor_arrears[arrear.debtor_id].append(arrear)
            if arrear.outstanding > 0:
                arrears[arrear.pk] = arrear
        registered = {}  # key -> reversed?
        for *key, reversed_ in Repayment.objects.filter(arrear__campaign=batch.campaign, arrear__debtor_id__in=debtor_pks).values_list(
            "arrear_id", "received_on", "amount", "kind", "receipt_number", "reversal",
        ):
            registered[tuple(key)] = registered.get(tuple(key), False) or reversed_ is not None
        remaining = {pk: arrear.outstanding for pk, arrear in arrears.items()}
        seen, entries, skipped = {}, [], []
        for row in rows:
            debtor_id = matcher.ref(row)
            if debtor_id is None:
                continue
            values = row.values
            of_category = [a for a in debtor_arrears[debtor_id] if not values["category"] or a.category == values["category"]]
            same = (values["received_on"], values["amount"], values["kind"], values["receipt_number"])
            found = [registered[(a.pk, *same)] for a in of_category if (a.pk, *same) in registered]
            if found:
                why = "已登记过这笔还款，后来已冲正；如台账无误，请手工重新录入" if all(found) else "已登记过这笔还款"
                skipped.append((row, why))
                continue
            candidates = [a for a in of_category if a.pk in arrears]
            label = ArrearCategory(values["category"]).label if values["category"] else ""
            if not candidates:
                what = f"{label}类" if label else ""
                problems.append(row.problem("类别" if label else "姓名", f"“{values['name']}”在本次清收行动中没有未结清的{what}欠款。"))
                continue
            if len(candidates) > 1:
                hint = "请在系统中逐笔录入这笔还款。" if label else "请在“类别”列注明还的是哪一类欠款。"
                problems.append(row.problem("类别", f"“{values['name']}”有 {len(candidates)} 笔未结清的{label}欠款，无法判断这笔还款记到哪一笔；{hint}"))
                continue
            arrear = candidates[0]
            key = (arrear.pk, values["received_on"], values["amount"], values["kind"], values["receipt_number"])
            if key in seen:
                problems.append(row.problem(
                    "还款金额",
                    f"与{seen[key].place}的还款完全相同（同一笔欠款、日期、金额、方式、收据号），"
                    "无法判断是否重复，请核对；确是两笔的请填写收据号。",
                ))
                continue
            seen[key] = row
            if values["received_on"] < arrear.incurred_on:
                problems.append(row.problem("收款日期", f"收款日期早于这笔欠款的发生日期（{arrear.incurred_on:%Y-%m-%d}）。"))
                continue
            if values["amount"] > remaining[arrear.pk]:
                problems.append(row.problem(
                    "还款金额",
                    f"还款 {fmt_yuan(values['amount'])} 元超过这笔欠款尚欠的 {fmt_yuan(remaining[arrear.pk])} 元"
                    "（已扣除本文件前面各行的还款）。",
                ))
                continue
            remaining[arrear.pk] -= values["amount"]
            entries.append((row, arrear))
        names = village_names(rows)
        kinds = Counter()
        for row, _ in entries:
            kinds[row.values["kind"]] += row.values["amount"]
        summary = [
            ["数据行", len(rows)],
            ["新增清收记录", f"{len(entries)} 笔"],
            *[[f"{RepaymentKind(kind).label}（元）", fmt_yuan(amount)] for kind, amount in sorted(kinds.items())],
            ["合计（元）", fmt_yuan(sum(kinds.values(), start=0))],
            ["跳过（已登记）", f"{len(skipped)} 行"],
        ]
        tables = [
            preview_table("将登记的清收记录", ["村居", "姓名", "欠款", "金额（元）", "收款日期", "方式", "位置"], [
                [names.get(row.village_id), row.values["name"], f"{arrear.get_category_display()} {arrear.incurred_on:%Y-%m-%d}",
                 fmt_yuan(row.values["amount"]), f"{row.values['received_on']:%Y-%m-%d}", RepaymentKind(row.values["kind"]).label, row.place]
                for row, arrear in entries
            ]),
            preview_table("跳过的行", ["位置", "姓名", "原因"], [[row.place, row.values["name"], why] for row, why in skipped]),
        ]
        return Plan({"summary": summary, "tables": tables}, problems, entries)

    def write(self, plan, *, batch, user, progress):
        repayments = [
            Repayment(
                arrear_id=arrear.pk, amount=row.values["amount"], kind=row.values["kind"],
                received_on=row.values["received_on"], receipt_number=row.values["receipt_number"],
                note=row.values["note"],
            )
            for row, arrear in plan.work
        ]
        ledger_repayments_create(repayments=repayments, recorded_by=user, import_batch=batch, progress=progress)
        total = sum((repayment.amount for repayment in repayments), start=0)
        return {
            "summary": [["新增清收记录", f"{len(repayments)} 笔"], ["合计（元）", fmt_yuan(total)]],
            "links": [["本批新增的清收记录", "recovery:repayment_list"]],
        }
