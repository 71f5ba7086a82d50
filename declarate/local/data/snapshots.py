"""Records in backups: a backup copies its index's records, a restore copies them into the new index.

A backup's records are stored like an index's, under the key ``backup:<backup id>``, so they outlive
the source index and are unaffected by later writes to it. ``summary`` gives the figures a
``BackupModel`` reports (``record_count``, ``namespace_count``, ``size_bytes``). Called by the
backups handlers inside their transaction; nothing here checks permissions or renders HTTP.
"""

from __future__ import annotations

from ..store import Tx
from . import records


def _key(backup_id: str) -> str:
    return f"backup:{backup_id}"


def take(tx: Tx, index_id: str, backup_id: str, now: float) -> None:
    """Copy an index's records and namespaces into a backup."""
    records.copy_index(tx, index_id, _key(backup_id), now)


def restore(tx: Tx, backup_id: str, index_id: str, now: float) -> None:
    """Copy a backup's records and namespaces into a (new, empty) index."""
    records.copy_index(tx, _key(backup_id), index_id, now)


def forget(tx: Tx, backup_id: str) -> None:
    """Drop a deleted backup's records."""
    records.drop_index(tx, _key(backup_id))


def summary(tx: Tx, backup_id: str) -> dict[str, int]:
    """``{record_count, namespace_count, size_bytes}`` of a backup."""
    record_count, namespace_count = records.counts(tx, _key(backup_id))
    return {
        "record_count": record_count,
        "namespace_count": namespace_count,
        "size_bytes": records.size_bytes(tx, _key(backup_id)),
    }
