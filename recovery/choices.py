from django.db import models


class DebtorKind(models.TextChoices):
    PERSON = "person", "个人"
    ORGANISATION = "organisation", "单位"


class LitigationStatus(models.TextChoices):
    NONE = "none", "未起诉"
    FILED = "filed", "已立案"
    JUDGED = "judged", "已判决"
    ENFORCING = "enforcing", "执行中"
    CLOSED = "closed", "已结案"


class ArrearCategory(models.TextChoices):
    CONTRACT_FEE = "contract_fee", "承包费"
    LEASE_FEE = "lease_fee", "租赁费"
    LOAN = "loan", "借款"
    OCCUPIED_FUNDS = "occupied_funds", "占用集体资金"
    CONSTRUCTION = "construction", "工程款"
    OTHER = "other", "其他"


class ArrearStatus(models.TextChoices):
    OUTSTANDING = "outstanding", "未清收"
    PARTLY_REPAID = "partly_repaid", "部分清收"
    CLEARED = "cleared", "已结清"


class RepaymentKind(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "转账"
    IN_KIND = "in_kind", "以物抵债"
    DEBT_OFFSET = "debt_offset", "抵顶债务"


CASH_KINDS = (RepaymentKind.CASH, RepaymentKind.TRANSFER)
OFFSET_KINDS = (RepaymentKind.IN_KIND, RepaymentKind.DEBT_OFFSET)
