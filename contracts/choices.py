from django.db import models


class ContractCategory(models.TextChoices):
    RESERVE_LAND = "reserve_land", "机动地"
    WASTELAND = "wasteland", "四荒地"
    CONSTRUCTION_LAND = "construction_land", "建设用地"
    OPERATING_ASSET = "operating_asset", "经营性资产"
    OTHER = "other", "其他"


class ContractForm(models.TextChoices):
    WRITTEN = "written", "书面合同"
    RECEIPT_ONLY = "receipt_only", "仅有收据"
    ORAL = "oral", "口头约定"


class ContractStatus(models.TextChoices):
    TO_FIND = "to_find", "待查找"
    FOUND = "found", "已查找"
    AREA_VERIFIED = "area_verified", "面积已核实"
    INVESTIGATED = "investigated", "已调查"
    STANDARDISED = "standardised", "规范"
    RESIGNED = "resigned", "重签"
    TERMINATED = "terminated", "终止收回"


# The review goes one step at a time; from 已调查 it ends in one of three outcomes.
NEXT_STATUSES = {
    ContractStatus.TO_FIND: [ContractStatus.FOUND],
    ContractStatus.FOUND: [ContractStatus.AREA_VERIFIED],
    ContractStatus.AREA_VERIFIED: [ContractStatus.INVESTIGATED],
    ContractStatus.INVESTIGATED: [ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED],
    ContractStatus.STANDARDISED: [],
    ContractStatus.RESIGNED: [],
    ContractStatus.TERMINATED: [],
}
FOUND_OR_LATER = [s for s in ContractStatus if s != ContractStatus.TO_FIND]
VERIFIED_OR_LATER = [s for s in ContractStatus if s not in (ContractStatus.TO_FIND, ContractStatus.FOUND)]
INVESTIGATED_OR_LATER = [ContractStatus.INVESTIGATED, ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED]
OUTCOMES = [ContractStatus.STANDARDISED, ContractStatus.RESIGNED, ContractStatus.TERMINATED]


class FindingKind(models.TextChoices):
    NO_WRITTEN_CONTRACT = "no_written_contract", "无书面合同"
    NO_DEMOCRATIC_PROCEDURE = "no_democratic_procedure", "未履行民主程序"
    PRICE_TOO_LOW = "price_too_low", "价格明显偏低"
    TERM_TOO_LONG = "term_too_long", "期限超长"
    AREA_MISMATCH = "area_mismatch", "面积不符"
    FEES_UNPAID = "fees_unpaid", "欠缴承包费"
    OTHER = "other", "其他"


class AttachmentKind(models.TextChoices):
    CONTRACT_SCAN = "contract_scan", "合同扫描件"
    DETERMINATION = "determination", "合同认定书"
    INVESTIGATION_REPORT = "investigation_report", "调查报告"
