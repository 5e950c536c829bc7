from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "清收清欠"

    def ready(self):
        from imports.ledgers import register

        from .imports import ArrearsLedger, RepaymentsLedger

        register(ArrearsLedger)
        register(RepaymentsLedger)
