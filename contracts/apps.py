from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "清合同"

    def ready(self):
        from imports.ledgers import register

        from .imports import ContractsLedger

        register(ContractsLedger)
