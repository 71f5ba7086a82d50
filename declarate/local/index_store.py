"""Index rows and the timestamps their asynchronous states are derived from.

There is no background worker: an index is Initializing until ``created_at + ready_after``,
Terminating from ``deleted_at`` until ``deleted_at + ready_after`` (then gone, and purged lazily),
and scaling from ``changed_at`` for ``ready_after``. Collections, backups and restore jobs follow
the same rule. This module reads and purges rows; it renders nothing and checks no permissions.
"""

from __future__ import annotations

from .store import Row, Tx, loads


def settled(since: float | None, now: float, ready_after: float) -> bool:
    """Whether a transition that started at ``since`` is over."""
    return since is None or now >= since + ready_after


def purge_gone(tx: Tx, now: float, ready_after: float) -> None:
    """Remove indexes whose deletion has completed."""
    tx.run("DELETE FROM indexes WHERE deleted_at IS NOT NULL AND deleted_at + ? <= ?", (ready_after, now))


def find_index(tx: Tx, project_id: str, name: str, now: float, ready_after: float) -> Row | None:
    """An index of a project that still exists (Terminating included), or ``None``."""
    row = tx.one(
        "SELECT * FROM indexes WHERE project_id = ? AND name = ? ORDER BY seq DESC LIMIT 1",
        (project_id, name),
    )
    if row is None:
        return None
    if row["deleted_at"] is not None and settled(row["deleted_at"], now, ready_after):
        return None
    return row


def project_indexes(tx: Tx, project_id: str, now: float, ready_after: float) -> list[Row]:
    """Indexes of a project that still exist, oldest first."""
    rows = tx.all("SELECT * FROM indexes WHERE project_id = ? ORDER BY seq", (project_id,))
    return [
        row for row in rows if row["deleted_at"] is None or not settled(row["deleted_at"], now, ready_after)
    ]


def pods_of(row: Row) -> int:
    """Pods an index uses (replicas x shards of a pod index, else 0)."""
    deployment = loads(row["deployment"])
    if deployment.get("deployment_type") != "pod":
        return 0
    return int(deployment.get("replicas", 1)) * int(deployment.get("shards", 1))


def pods_in_use(
    tx: Tx, project_id: str, now: float, ready_after: float, except_index: str | None = None
) -> int:
    """Pods used by a project's pod indexes (optionally leaving one index out)."""
    return sum(
        pods_of(row) for row in project_indexes(tx, project_id, now, ready_after) if row["id"] != except_index
    )
