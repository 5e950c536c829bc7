from celery import shared_task


@shared_task(name="contracts.fees_to_arrears")
def fees_to_arrears():
    """Hourly from beat: unpaid contract fees past their due date become arrears (idempotent)."""
    from .services import fee_arrears_create

    return [arrear.pk for arrear in fee_arrears_create()]
