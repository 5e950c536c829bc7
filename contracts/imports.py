"""The villages' contract ledgers (合同台账) as an import (see ``imports/ledgers.py`` for
the steps every ledger shares). Registered in ``ContractsConfig.ready()``.

Matching, the same on preview and on import:

- A contract is the village's contract with the row's 合同编号. One already registered is
  skipped, so an updated ledger imported later adds only the new contracts; the same number
  twice in the file is an error on the second row.
- A new contract is linked to the village's debtor (欠款人台账) when exactly one fits: the
  debtor with the row's 身份证号 (or 统一社会信用代码), else the village's only debtor of
  that name (when the row has an identity number the ledger lacks, only a debtor recorded
  without one). Otherwise it is imported without a debtor; no debtor is created. An identity
  number registered to a debtor of another name is an error.
"""

from collections import defaultdict
from decimal import Decimal

from core.exports import MONEY_FORMAT
from core.money import fmt_yuan
from core.validators import mask_national_id
from imports.cells import (
    YUAN,
    CellError,
    _compact,
    _show,
    is_blank,
    parse_amount,
    parse_area,
    parse_choice,
    parse_date,
    parse_name,
    parse_text,
)
from imports.headers import Vocabulary
from imports.ledgers import LedgerKind, Plan, RowReader, TemplateColumn, preview_table, village_names
from recovery.imports import IDENTITY_HEADERS, IDENTITY_SYNONYMS, identity_problem, read_debtor_kind, read_identity_numbers
from recovery.models import Debtor

from .choices import ContractCategory, ContractForm
from .models import Contract
from .services import ledger_contracts_create

CATEGORY_ALIASES = {
    "机动田": ContractCategory.RESERVE_LAND,
    "四荒": ContractCategory.WASTELAND,
    "荒山荒沟荒丘荒滩": ContractCategory.WASTELAND,
    "集体建设用地": ContractCategory.CONSTRUCTION_LAND,
    "经营资产": ContractCategory.OPERATING_ASSET,
}
FORM_ALIASES = {
    "书面": ContractForm.WRITTEN,
    "书面协议": ContractForm.WRITTEN,
    "收据": ContractForm.RECEIPT_ONLY,
    "只有收据": ContractForm.RECEIPT_ONLY,
    "口头": ContractForm.ORAL,
    "口头协议": ContractForm.ORAL,
}
CONTRACTS_VOCABULARY = Vocabulary(
    synonyms={
        "合同编号": ("合同编号", "合同号", "编号", "合同编码"),
        "承包方": ("承包方", "承包人", "承租方", "承租人", "乙方", "承包方名称", "承包方姓名", "承包人姓名", "承包户", "姓名"),
        "承包方类型": ("承包方类型", "承包人类型", "承包方性质", "乙方类型"),
        "合同类别": ("合同类别", "类别", "合同类型", "承包类别", "资源类别", "资源类型", "资产类别"),
        "标的": ("标的", "标的物", "承包标的", "地块", "地块名称", "承包地块", "资产名称", "资源名称", "地块或资产"),
        "面积": ("面积", "承包面积", "合同面积", "土地面积", "亩数"),
        "年承包费": ("年承包费", "承包费", "年租金", "租金", "承包金", "年承包金", "年租赁费"),
        "起始日期": ("起始日期", "开始日期", "起始时间", "开始时间", "承包起始日期", "合同起始日期", "起租日期"),
        "终止日期": ("终止日期", "结束日期", "到期日期", "终止时间", "结束时间", "到期时间", "承包终止日期", "合同终止日期", "合同到期日期"),
        "合同形式": ("合同形式", "签订形式", "合同方式", "形式"),
        "履行四议两公开": ("履行四议两公开", "四议两公开", "是否履行四议两公开", "民主程序", "是否履行民主程序", "履行民主程序"),
        **IDENTITY_SYNONYMS,
    },
    money=frozenset({"年承包费"}),
    area=frozenset({"面积"}),
)

YES = {"是", "已履行", "履行", "有", "√", "✓", "y", "yes"}
NO = {"否", "未履行", "没有履行", "无", "没有", "×", "✗", "n", "no"}


def parse_yes_no(value):
    """履行四议两公开: 是/否 (also 已履行/未履行, √/×, TRUE/FALSE); blank is 否."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    key = _compact(value).lower() if isinstance(value, str) else None
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(f"无法识别的“履行四议两公开”：“{_show(value)}”。可填：是、否。")


def _text_required(noun, max_length):
    def parse(value):
        text = parse_text(value, max_length=max_length)
        if not text:
            raise CellError(f"{noun}不能为空。")
        return text

    return parse


def _mask(number):
    return mask_national_id(number) if len(number) == 18 and number[:17].isdigit() else number


class DebtorLinks:
    """Which debtor of its village each new contract's counterparty is, when exactly one
    fits. ``link(row)`` -> (debtor pk or None, why), or None when the row's identity number
    belongs to a debtor of another name (added to ``problems``). A row that does not say
    承包方类型 takes the linked debtor's (``kind(row, pk)``)."""

    def __init__(self, rows):
        self.problems = []
        self.by_number, self.by_name, self.debtors = {}, defaultdict(list), {}
        debtors = Debtor.objects.filter(village_id__in={row.village_id for row in rows}).values(
            "pk", "village_id", "name", "kind", "national_id", "credit_code",
        )
        for debtor in debtors:
            self.debtors[debtor["pk"]] = debtor
            for field in ("national_id", "credit_code"):
                if debtor[field]:
                    self.by_number[debtor["village_id"], field, debtor[field]] = debtor["pk"]
            self.by_name[debtor["village_id"], debtor["name"]].append(debtor)

    def link(self, row):
        values = row.values
        field = "national_id" if values["national_id"] else "credit_code"
        number = values[field]
        noun = "身份证号" if field == "national_id" else "统一社会信用代码"
        if number:
            pk = self.by_number.get((row.village_id, field, number))
            if pk is not None:
                debtor = self.debtors[pk]
                if debtor["name"] != values["name"]:
                    self.problems.append(identity_problem(
                        row, noun,
                        f"本村欠款人台账中该{noun}（{_mask(number)}）是“{debtor['name']}”的，与本行承包方“{values['name']}”不符，请核对。",
                    ))
                    return None
                return pk, f"按{noun}关联"
        candidates = self.by_name.get((row.village_id, values["name"]), [])
        if number:
            candidates = [debtor for debtor in candidates if not debtor["national_id"] and not debtor["credit_code"]]
        if values["kind_stated"]:
            candidates = [debtor for debtor in candidates if debtor["kind"] == values["kind"]]
        if len(candidates) == 1:
            return candidates[0]["pk"], "按姓名关联"
        if len(candidates) > 1 and number:
            return None, f"未关联：本村有 {len(candidates)} 个名为“{values['name']}”且未登记证件号码的欠款人"
        if len(candidates) > 1:
            return None, f"未关联：本村有 {len(candidates)} 个名为“{values['name']}”的欠款人，请填写身份证号或统一社会信用代码以区分"
        return None, "未关联：欠款人台账中没有该承包方"

    def kind(self, row, pk):
        if pk is None or row.values["kind_stated"]:
            return row.values["kind"]
        return self.debtors[pk]["kind"]


class ContractsLedger(LedgerKind):
    key = "contracts"
    label = "合同"
    needs_campaign = False
    required = ("合同编号", "承包方", "合同类别", "标的", "年承包费", "起始日期", "终止日期", "合同形式")
    optional = ("承包方类型", *IDENTITY_HEADERS, "面积", "履行四议两公开")
    vocabulary = CONTRACTS_VOCABULARY
    columns = (
        TemplateColumn("村居", "示例村", 12, "村居名称或编号；每村一个工作表、表名写村名时可不填。"),
        TemplateColumn("合同编号", "SL-2019-001", 16, "本村内不重复；已导入过的编号不会重复登记。", "@"),
        TemplateColumn("承包方", "张三", 14, "承包人姓名或单位名称。"),
        TemplateColumn("承包方类型", "个人", 10, "个人或单位；不填时，有统一社会信用代码的为单位，否则为个人。"),
        TemplateColumn("身份证号", "370102198001011237", 22, "可不填；填写后可与欠款人台账准确关联。请保持“文本”格式。", "@"),
        TemplateColumn("统一社会信用代码", "", 22, "单位承包方填写。", "@"),
        TemplateColumn("合同类别", "机动地", 12, "可填：" + "、".join(ContractCategory.labels)),
        TemplateColumn("标的", "南洼机动地", 20, "承包的地块或资产。"),
        TemplateColumn("面积", 3.5, 10, "单位：亩，最多两位小数；资产类可不填。", "0.00"),
        TemplateColumn("年承包费", 1750, 14, "单位：元。表头写成“年承包费（万元）”时按万元。", MONEY_FORMAT),
        TemplateColumn("起始日期", "2019-01-01", 12, "如 2019-1-1、2019.1.1、2019年1月1日。"),
        TemplateColumn("终止日期", "2028-12-31", 12, "不能早于起始日期。"),
        TemplateColumn("合同形式", "书面合同", 10, "可填：" + "、".join(ContractForm.labels)),
        TemplateColumn("履行四议两公开", "是", 10, "是或否；不填按“否”。"),
    )

    def parse_row(self, cells, *, units, memo=None):
        read = RowReader(cells, memo)
        values = {
            "number": read("合同编号", _text_required("合同编号", 50)),
            "name": read("承包方", parse_name, noun="承包方"),
        }
        read_identity_numbers(read, values)
        kind, values["kind_stated"] = read_debtor_kind(read, values, noun="承包方")
        category = read("合同类别", parse_choice, ContractCategory, noun="合同类别", aliases=CATEGORY_ALIASES)
        form = read("合同形式", parse_choice, ContractForm, noun="合同形式", aliases=FORM_ALIASES)
        values.update(
            kind=str(kind),
            category=str(category) if category else "",
            subject=read("标的", _text_required("标的（地块或资产）", 200)),
            area_mu=read("面积", parse_area),
            annual_fee=read("年承包费", parse_amount, unit=units.get("年承包费", YUAN), positive=False),
            start_date=read("起始日期", parse_date),
            end_date=read("终止日期", parse_date),
            form=str(form) if form else "",
            democratic_procedure=read("履行四议两公开", parse_yes_no),
        )
        start, end = values["start_date"], values["end_date"]
        if start is not None and end is not None and end < start:
            read.fail("终止日期", f"终止日期 {end:%Y-%m-%d} 早于起始日期 {start:%Y-%m-%d}。")
        return read.done(values)

    def plan(self, rows, *, batch):
        registered = set(
            Contract.objects.filter(village_id__in={row.village_id for row in rows}).values_list("village_id", "number")
        )
        links = DebtorLinks(rows)
        seen, new, skipped = {}, [], []
        for row in rows:
            key = (row.village_id, row.values["number"])
            if key in registered:
                skipped.append((row, "已登记过该合同编号"))
                continue
            if key in seen:
                links.problems.append(row.problem(
                    "合同编号", f"合同编号“{row.values['number']}”与{seen[key].place}重复，同一村的合同编号不能相同。",
                ))
                continue
            seen[key] = row
            linked = links.link(row)
            if linked is None:
                continue
            debtor_id, why = linked
            new.append((row, debtor_id, links.kind(row, debtor_id), why))
        return Plan(self._preview(rows, new, skipped), links.problems, new)

    def _preview(self, rows, new, skipped):
        names = village_names(rows)
        per_village = defaultdict(lambda: [0, 0, Decimal(0), 0])
        for row in rows:
            per_village[row.village_id][0] += 1
        for row, *_ in new:
            per_village[row.village_id][1] += 1
            per_village[row.village_id][2] += row.values["annual_fee"]
        for row, _ in skipped:
            per_village[row.village_id][3] += 1
        total = sum((row.values["annual_fee"] for row, *_ in new), start=Decimal(0))
        linked = sum(1 for _, debtor_id, *_ in new if debtor_id)
        summary = [
            ["数据行", len(rows)],
            ["新增合同", f"{len(new)} 份"],
            ["其中关联到欠款人台账", f"{linked} 份"],
            ["新增合同年承包费合计（元）", fmt_yuan(total)],
            ["跳过（已登记过该合同编号）", f"{len(skipped)} 行"],
        ]
        tables = [
            preview_table("按村汇总", ["村居", "数据行", "新增合同（份）", "年承包费合计（元）", "跳过（行）"], [
                [names.get(village_id), count, added, fmt_yuan(fees), passed]
                for village_id, (count, added, fees, passed) in sorted(per_village.items(), key=lambda item: names.get(item[0], ""))
            ]),
            preview_table(
                "新增合同",
                ["村居", "合同编号", "承包方", "类别", "标的", "面积（亩）", "年承包费（元）", "期限", "欠款人台账", "位置"],
                [self._new_row(names, row, why) for row, _, _, why in new],
            ),
            preview_table("跳过的行", ["位置", "合同编号", "承包方", "原因"], [
                [row.place, row.values["number"], row.values["name"], why] for row, why in skipped
            ]),
        ]
        return {"summary": summary, "tables": tables}

    @staticmethod
    def _new_row(names, row, why):
        values = row.values
        area = values["area_mu"]
        return [
            names.get(row.village_id), values["number"], values["name"], ContractCategory(values["category"]).label,
            values["subject"], "" if area is None else f"{area:f}", fmt_yuan(values["annual_fee"]),
            f"{values['start_date']:%Y-%m-%d} 至 {values['end_date']:%Y-%m-%d}", why, row.place,
        ]

    def write(self, plan, *, batch, user, progress):
        contracts = []
        for row, debtor_id, kind, _ in plan.work:
            values = row.values
            contracts.append(Contract(
                village_id=row.village_id, number=values["number"], debtor_id=debtor_id,
                counterparty_name=values["name"], counterparty_kind=kind, category=values["category"],
                subject=values["subject"], area_mu=values["area_mu"] if values["area_mu"] is not None else Decimal("0.00"),
                annual_fee=values["annual_fee"], start_date=values["start_date"], end_date=values["end_date"],
                form=values["form"], democratic_procedure=values["democratic_procedure"],
            ))
        ledger_contracts_create(contracts=contracts, created_by=user, import_batch=batch, progress=progress)
        total = sum((contract.annual_fee for contract in contracts), start=Decimal(0))
        return {
            "summary": [
                ["新增合同", f"{len(contracts)} 份"],
                ["其中关联到欠款人台账", f"{sum(1 for contract in contracts if contract.debtor_id)} 份"],
                ["年承包费合计（元）", fmt_yuan(total)],
            ],
            "links": [["本批新增的合同", "contracts:contract_list"]],
        }
