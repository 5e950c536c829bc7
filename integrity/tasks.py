from celery import shared_task


@shared_task(name="integrity.verify_ledger")
def verify_ledger():
    """Nightly from beat: every township's chain and balances (a stored VerificationRun)."""
    from .services import ledger_verify

    run = ledger_verify()
    return {"run": run.pk, "ok": run.ok, "breaks": len(run.breaks)}
