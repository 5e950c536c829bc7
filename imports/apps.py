from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Ledger imports: upload, check, preview, confirm, write. The kinds of ledger belong to
    the apps that own their models; each registers its own in its ``ready()``
    (``imports.ledgers.register``)."""

    name = "imports"
    verbose_name = "台账导入"
