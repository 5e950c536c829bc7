"""Writes of the integrity app: a verification run (the chain itself is written by
``integrity.chain`` inside the ledger's services)."""

from .verification import ledger_verify

__all__ = ["ledger_verify"]
