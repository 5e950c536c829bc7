from django.db import models


class FactKind(models.TextChoices):
    DEBTOR = "debtor", "欠款人身份"
    ARREAR = "arrear", "欠款"
    REPAYMENT = "repayment", "清收记录"
    REVERSAL = "reversal", "冲正记录"
    WRITE_OFF = "writeoff", "核销记录"
    FEE_PAYMENT = "fee_payment", "承包费缴纳"
    STATUS_STEP = "status_step", "合同清理记录"
    REPORT = "report", "战报文件"
