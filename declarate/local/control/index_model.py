"""Index rows: their lookups, the states derived from their timestamps, their ``IndexModel`` form.

There is no background worker: an index is Initializing until ``created_at + ready_after``,
Terminating from ``deleted_at`` until ``deleted_at + ready_after`` (then gone, and purged lazily),
and scaling from ``changed_at`` for ``ready_after``; collections, backups and restore jobs follow
the same rule (``settled``). ``index_json`` renders a row as the 2026-07 ``IndexModel``: ``status``
and ``read_capacity.status`` from the timestamps, ``tags`` ``null`` when there are none, optional
members omitted when unset. No validation and no permission checks here; the only write is the
lazy purge of indexes whose deletion is over.
"""

from __future__ import annotations

import math
from typing import Any

from ..data.hosts import public_host
from ..store import Row, Tx, loads


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


def index_host(name: str, project_id: str, environment: str) -> str:
    """The host an index is served at (set as soon as the index is created)."""
    return f"{name}-{project_id.replace('-', '')[:7]}.svc.{environment}.declarate.local"


def index_status(row: Row, now: float, ready_after: float) -> dict[str, Any]:
    """``{ready, state}`` of an index at ``now``."""
    if row["deleted_at"] is not None:
        return {"ready": False, "state": "Terminating"}
    if not settled(row["created_at"], now, ready_after):
        return {"ready": False, "state": "Initializing"}
    if row["change_state"] and not settled(row["changed_at"], now, ready_after):
        return {"ready": True, "state": row["change_state"]}
    return {"ready": True, "state": "Ready"}


def capacity_state(row: Row, now: float, ready_after: float) -> str:
    """State of the read capacity: Ready, Scaling or Migrating."""
    if not settled(row["created_at"], now, ready_after):
        capacity = loads(row["read_capacity"]) or {}
        return "Scaling" if capacity.get("mode") == "Dedicated" else "Ready"
    previous = loads(row["previous_capacity"])
    if previous is not None and not settled(row["changed_at"], now, ready_after):
        return str(previous.get("state", "Scaling"))
    return "Ready"


def read_capacity_json(row: Row, now: float, ready_after: float) -> dict[str, Any] | None:
    """``read_capacity`` with its status, or ``None`` for pod indexes."""
    capacity = loads(row["read_capacity"])
    if capacity is None:
        return None
    state = capacity_state(row, now, ready_after)
    if capacity["mode"] == "OnDemand":
        return {"mode": "OnDemand", "status": {"state": state}}
    manual = capacity["dedicated"]["manual"]
    status: dict[str, Any] = {
        "state": state,
        "current_replicas": manual["replicas"],
        "current_shards": manual["shards"],
    }
    if not settled(row["created_at"], now, ready_after):
        status["current_replicas"] = status["current_shards"] = None
    elif state != "Ready":
        previous = loads(row["previous_capacity"]) or {}
        status["current_replicas"] = previous.get("replicas")
        status["current_shards"] = previous.get("shards")
    return {"mode": "Dedicated", "dedicated": capacity["dedicated"], "status": status}


def index_json(row: Row, now: float, ready_after: float, *, fresh: bool = False) -> dict[str, Any]:
    """The IndexModel of an index row; ``fresh`` renders a create response (always Initializing)."""
    if fresh:
        ready_after = math.inf
    body: dict[str, Any] = {
        "name": row["name"],
        "host": public_host(row["host"]),
        "status": index_status(row, now, ready_after),
        "deployment": loads(row["deployment"]),
    }
    capacity = read_capacity_json(row, now, ready_after)
    if capacity is not None:
        body["read_capacity"] = capacity
    body["schema"] = {"fields": loads(row["schema"])}
    body["tags"] = loads(row["tags"]) or None
    body["deletion_protection"] = row["deletion_protection"]
    for optional in ("source_collection", "source_backup_id", "cmek_id"):
        if row[optional]:
            body[optional] = row[optional]
    return body
