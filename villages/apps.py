from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村居"

    def ready(self):
        from imports.ledgers import register

        from .imports import StructureLedger

        register(StructureLedger)
