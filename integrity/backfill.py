"""Chaining the ledger rows written before the chain existed (migration 0002), so that an
existing database verifies clean from the day it is upgraded: every row gets a link, kind by
kind, in id order."""

from .chain import chain_append
from .facts import FACTS


def chain_existing(apps) -> int:
    """``apps``: the migration's app registry -> how many links were written."""
    Township = apps.get_model("villages", "Township")  # noqa: N806 - a model class
    written = 0
    for township_id in Township.objects.order_by("pk").values_list("pk", flat=True):
        for kind, spec in FACTS.items():
            model = apps.get_model(spec.model)
            rows = model.objects.filter(**{spec.township_path: township_id}).order_by("pk").values("id", *spec.fields)
            written += chain_append(township_id=township_id, facts=[(kind, row) for row in rows])
    return written
