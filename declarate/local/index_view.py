"""An index row rendered as the 2026-07 ``IndexModel``, with its state derived at read time.

``status`` comes from the row's timestamps (Initializing, Terminating, ScalingUp/ScalingDown/
ScalingUpPodSize, Ready) and so does ``read_capacity.status``; ``tags`` is ``null`` when there are
none; optional members are omitted when unset. Rendering only: no validation, no writes.
"""

from __future__ import annotations

import math
from typing import Any

from .index_store import settled
from .store import Row, loads


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
        "host": row["host"],
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
