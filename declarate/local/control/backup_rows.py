"""Taking a backup: the one place a backup row is written, on demand or by a schedule's run.

``take_backup`` copies what a backup keeps of an index (schema, deployment, location) into a new
row. Both ``POST /indexes/{name}/backups`` and scheduled runs go through it, so whatever else a
backup must capture (records, once the data plane stores them) is added here once. No HTTP, no
permissions: callers have checked those.
"""

from __future__ import annotations

from typing import Any

from ..data import snapshots
from ..store import Row, Tx, loads


def location(index: Row) -> tuple[str, str]:
    """``(cloud, region)`` a backup of this index is stored in."""
    deployment: dict[str, Any] = loads(index["deployment"])
    cloud = deployment.get("cloud", "byoc")
    region = deployment.get("region", deployment.get("environment", ""))
    return str(cloud), str(region)


def is_pod(index: Row) -> bool:
    """Pod-based indexes can be neither backed up nor scheduled."""
    return bool(loads(index["deployment"])["deployment_type"] == "pod")


def take_backup(
    tx: Tx, index: Row, backup_id: str, name: str | None, description: str | None, created_at: float
) -> Row:
    """Insert a backup of ``index`` taken at ``created_at`` and return its row."""
    cloud, region = location(index)
    tx.insert(
        "backups",
        {
            "id": backup_id,
            "project_id": index["project_id"],
            "source_index_id": index["id"],
            "source_index_name": index["name"],
            "name": name,
            "description": description,
            "cloud": cloud,
            "region": region,
            "schema": index["schema"],
            "deployment": index["deployment"],
            "created_at": created_at,
        },
    )
    snapshots.take(tx, index["id"], backup_id, created_at)  # the index's records as of now
    row = tx.one("SELECT * FROM backups WHERE id = ?", (backup_id,))
    assert row is not None
    return row
