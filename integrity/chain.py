"""Appending facts to their township's chain, in the caller's transaction.

Called by the ledger's services (recovery, contracts, reports) right after they write a
fact, inside the same ``transaction.atomic()``: the fact and its link commit together or not
at all. The township's :class:`ChainHead` row is locked first (``select_for_update``), so
that concurrent writers of a township take turns and seq stays gapless; three statements for
one fact (lock the head, insert the link, move the head).
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from imports.bulk import bulk_insert

from .facts import canonical_json, fact_content, link_hash, sha256
from .models import ChainHead, ChainLink

BULK_FROM = 200
"""From this many links on, they are written with ``imports.bulk.bulk_insert`` (COPY on
PostgreSQL), as the imports write their rows."""


def township_of_village(village) -> int:
    """The township id of ``village`` (no query when its work area and zone are loaded)."""
    from villages.models import Village

    state = village._state.fields_cache
    work_area = state.get("work_area")
    if work_area is not None and "zone" in work_area._state.fields_cache:
        return work_area.zone.township_id
    return Village.objects.filter(pk=village.pk).values_list("work_area__zone__township_id", flat=True).get()


def _lock_head(township_id):
    """The township's head, locked; made on the township's first fact (two statements more,
    once; a concurrent first writer's insert is ignored, and the lock then waits for it)."""
    head = ChainHead.objects.select_for_update().filter(township_id=township_id).first()
    if head is None:
        ChainHead.objects.bulk_create([ChainHead(township_id=township_id)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(township_id=township_id)
    return head


def chain_append(*, township_id: int, facts: Iterable[tuple[str, Any]], count: int | None = None) -> int:
    """Append ``facts`` ((kind, row): a saved model instance or a mapping of attnames with
    "id") to the township's chain, in order -> how many links were written. ``facts``: a
    list, or an iterable making ``count`` of them (an import's 100,000 rows are never all
    in memory as links; such an iterable must not query the database). Must run inside the
    transaction that wrote the facts."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("chain_append must run inside the transaction that writes the facts")
    if count is None:
        facts = list(facts)
        count = len(facts)
    if not count:
        return 0
    head = _lock_head(township_id)
    end = {"seq": head.seq, "hash": head.hash}
    now = timezone.now()

    def links(as_text):
        seq, prev = end["seq"], end["hash"]
        for kind, row in facts:
            content = fact_content(kind, row)
            text = canonical_json(content)
            content_hash = sha256(text)
            seq += 1
            object_id = content["id"]
            digest = link_hash(
                prev_hash=prev, content_hash=content_hash, township_id=township_id, seq=seq, kind=kind,
                object_id=object_id,
            )
            yield {
                "township_id": township_id, "seq": seq, "kind": kind, "object_id": object_id,
                # JSON as text for bulk_insert: COPY and SQLite's JSON column take it as it is.
                "content": text if as_text else content,
                "content_hash": content_hash, "prev_hash": prev, "hash": digest, "created_at": now,
            }
            prev = digest
        end.update(seq=seq, hash=prev)

    if count >= BULK_FROM:
        bulk_insert(ChainLink, links(as_text=True), count=count)
    else:
        ChainLink.objects.bulk_create([ChainLink(**row) for row in links(as_text=False)])
    ChainHead.objects.filter(pk=head.pk).update(seq=end["seq"], hash=end["hash"])
    return count
