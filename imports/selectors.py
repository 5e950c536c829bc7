"""Reads about imports in progress: their progress (kept in the cache by the worker) and
their last sign of life, which tells a live step from one whose worker died."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.cache import cache

from .choices import ImportStatus
from .models import ImportBatch


def progress_key(batch: ImportBatch) -> str:
    """The cache key of a batch's progress: its id and its upload time, so that a database
    made again (tests, a reset) never shows an old batch's progress under a reused id."""
    return f"import-progress:{batch.pk}:{batch.uploaded_at.timestamp():.6f}"


def import_batch_progress(*, batch: ImportBatch) -> dict | None:
    """``{"phase", "done", "total", "at"}`` of the step in progress, or None."""
    return cache.get(progress_key(batch)) if batch.in_progress else None


def import_batch_last_seen(*, batch: ImportBatch, progress: dict | None) -> datetime:
    """When the batch's step last showed life: queued or started (``heartbeat_at``; for a
    batch from before it was kept, its confirmation or upload) or the step's latest progress
    (the validation's progress says nothing about the import after it)."""
    importing = batch.status == ImportStatus.IMPORTING
    seen = batch.heartbeat_at or (batch.confirmed_at if importing and batch.confirmed_at else batch.uploaded_at)
    progress = progress or {}
    if progress.get("at") is not None and progress.get("phase") == ("import" if importing else "validate"):
        seen = max(seen, datetime.fromtimestamp(progress["at"], tz=UTC))
    return seen
