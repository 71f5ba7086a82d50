"""Control plane: backups, restore jobs, and creating an index from a backup.

A backup (of a serverless or BYOC index) records the index's schema and location; it is
Initializing, then Ready after ``ready_after``. Restoring a Ready backup (412 otherwise) creates an
index that inherits the backup's schema and a restore job (Pending, then Completed). Lists are
cursor-paginated. Everything is scoped to the calling key's project; it must not reach another project's rows.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import clock, field_rules
from ..access import require_control
from ..data import snapshots
from ..errors import bad_request, failed_precondition, not_found
from ..pagination import page_request, paginate, pagination_json
from ..routing import Call, Reply
from ..store import Row, Tx, loads
from . import index_config
from .backup_rows import is_pod, take_backup
from .backup_schedules import catch_up
from .index_model import find_index, settled
from .indexes import insert_index


def backup_json(
    row: Row, now: float, ready_after: float, contents: dict[str, int] | None = None
) -> dict[str, Any]:
    """A BackupModel; ``contents`` is the snapshot's ``{record_count, namespace_count, size_bytes}``."""
    body: dict[str, Any] = {
        "backup_id": row["id"],
        "source_index_name": row["source_index_name"],
        "source_index_id": row["source_index_id"],
        "status": "Ready" if settled(row["created_at"], now, ready_after) else "Initializing",
        "cloud": row["cloud"],
        "region": row["region"],
        "schema": {"fields": loads(row["schema"])},
        "record_count": 0,
        "namespace_count": 0,
        "size_bytes": 0,
        **(contents or {}),
        "tags": None,
        "created_at": clock.rfc3339(row["created_at"]),
    }
    if row["source_index_deleted_at"] is not None:
        body["source_index_deleted_at"] = clock.rfc3339(row["source_index_deleted_at"])
    if row["name"] is not None:
        body["name"] = row["name"]
    if row["description"] is not None:
        body["description"] = row["description"]
    return body


def restore_job_json(row: Row, now: float, ready_after: float) -> dict[str, Any]:
    """A RestoreJobModel: Pending until ``ready_after``, then Completed."""
    done = settled(row["created_at"], now, ready_after)
    body: dict[str, Any] = {
        "restore_job_id": row["id"],
        "backup_id": row["backup_id"],
        "target_index_name": row["target_index_name"],
        "target_index_id": row["target_index_id"],
        "status": "Completed" if done else "Pending",
        "created_at": clock.rfc3339(row["created_at"]),
        "completed_at": clock.rfc3339(row["created_at"] + ready_after) if done else None,
    }
    if done:
        body["percent_complete"] = 100
    return body


def _page(call: Call, context: str, rows: list[Row], filters: dict[str, str]) -> tuple[list[Row], Any]:
    page, token = paginate(rows, page_request(call.query, context, filters, maximum=None))
    return page, pagination_json(token)


def _backup(tx: Tx, call: Call) -> Row:
    backup_id = call.path["backup_id"]
    row = tx.one(
        "SELECT * FROM backups WHERE id = ? AND project_id = ?", (backup_id, call.key_principal.project_id)
    )
    if row is None:
        raise not_found(f"Backup {backup_id} not found.")
    return row


def create_backup(call: Call) -> Reply:
    """POST /indexes/{index_name}/backups (200): the backup starts Initializing."""
    require_control(call.key_principal, write=True, action="control::backups::create")
    body = call.body
    if body.get("name") is not None:
        field_rules.resource_name(body["name"], "backup")
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        index = find_index(tx, call.key_principal.project_id, call.path["index_name"], call.now, ready_after)
        if index is None or index["deleted_at"] is not None:
            # The spec declares no 404 for this operation: an unknown index is a bad argument.
            raise bad_request(f"Index {call.path['index_name']} not found.")
        if is_pod(index):
            raise bad_request("Backups are supported for serverless and BYOC indexes only.")
        row = take_backup(tx, index, str(uuid.uuid4()), body.get("name"), body.get("description"), call.now)
        contents = snapshots.summary(tx, row["id"])
    return Reply(200, backup_json(row, call.now, ready_after, contents))


def list_project_backups(call: Call) -> Reply:
    """GET /backups."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        rows = tx.all(
            "SELECT * FROM backups WHERE project_id = ? ORDER BY seq", (call.key_principal.project_id,)
        )
        page, pagination = _page(call, "list_project_backups", rows, {})
        contents = {row["id"]: snapshots.summary(tx, row["id"]) for row in page}
    ready_after = call.ctx.settings.ready_after
    data = [backup_json(row, call.now, ready_after, contents[row["id"]]) for row in page]
    return Reply(200, {"data": data, "pagination": pagination})


def list_index_backups(call: Call) -> Reply:
    """GET /indexes/{index_name}/backups, optionally including backups of deleted incarnations."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    include_deleted = field_rules.boolean_param(call.query.get("include_deleted"), "include_deleted")
    name = call.path["index_name"]
    project_id = call.key_principal.project_id
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        catch_up(tx, project_id, call.now)
        index = find_index(tx, project_id, name, call.now, ready_after)
        active = index if index is not None and index["deleted_at"] is None else None
        rows = tx.all(
            "SELECT * FROM backups WHERE project_id = ? AND source_index_name = ? ORDER BY seq",
            (project_id, name),
        )
        contents = {row["id"]: snapshots.summary(tx, row["id"]) for row in rows}
    if not include_deleted:
        if active is None:
            raise not_found(f"Index {name} not found.")
        rows = [row for row in rows if row["source_index_id"] == active["id"]]
    elif active is None and not rows:
        raise not_found(f"Index {name} not found.")
    filters = {"index_name": name, "include_deleted": str(include_deleted)}
    page, pagination = _page(call, "list_index_backups", rows, filters)
    data = [backup_json(row, call.now, ready_after, contents[row["id"]]) for row in page]
    return Reply(200, {"data": data, "pagination": pagination})


def describe_backup(call: Call) -> Reply:
    """GET /backups/{backup_id}."""
    require_control(call.key_principal, write=False, action="control::backups::describe")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        row = _backup(tx, call)
        contents = snapshots.summary(tx, row["id"])
    return Reply(200, backup_json(row, call.now, call.ctx.settings.ready_after, contents))


def delete_backup(call: Call) -> Reply:
    """DELETE /backups/{backup_id} (202)."""
    require_control(call.key_principal, write=True, action="control::backups::delete")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        row = _backup(tx, call)
        tx.run("DELETE FROM backups WHERE id = ?", (row["id"],))
        tx.run("DELETE FROM scheduled_backups WHERE backup_id = ?", (row["id"],))
        snapshots.forget(tx, row["id"])
    return Reply(202)


def create_index_from_backup(call: Call) -> Reply:
    """POST /backups/{backup_id}/create-index (202): ``{restore_job_id, index_id}``."""
    require_control(call.key_principal, write=True, action="control::indexes::create")
    body = call.body
    field_rules.resource_name(body["name"])
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        backup = _backup(tx, call)
        if not settled(backup["created_at"], call.now, ready_after):
            raise failed_precondition(f"Backup {backup['id']} is not completed")
        deployment = loads(backup["deployment"])
        read_capacity = index_config.create_read_capacity(body.get("read_capacity"), deployment)
        index = insert_index(
            tx,
            call,
            backup["project_id"],
            body["name"],
            loads(backup["schema"]),
            deployment,
            read_capacity,
            body,
            source_backup_id=backup["id"],
        )
        snapshots.restore(tx, backup["id"], index["id"], call.now)
        job_id = str(uuid.uuid4())
        tx.insert(
            "restore_jobs",
            {
                "id": job_id,
                "project_id": index["project_id"],
                "backup_id": backup["id"],
                "target_index_name": index["name"],
                "target_index_id": index["id"],
                "created_at": call.now,
            },
        )
    return Reply(202, {"restore_job_id": job_id, "index_id": index["id"]})


def list_restore_jobs(call: Call) -> Reply:
    """GET /restore-jobs."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    with call.ctx.store.read() as tx:
        rows = tx.all(
            "SELECT * FROM restore_jobs WHERE project_id = ? ORDER BY seq", (call.key_principal.project_id,)
        )
    page, pagination = _page(call, "list_restore_jobs", rows, {})
    ready_after = call.ctx.settings.ready_after
    return Reply(
        200,
        {"data": [restore_job_json(row, call.now, ready_after) for row in page], "pagination": pagination},
    )


def describe_restore_job(call: Call) -> Reply:
    """GET /restore-jobs/{job_id}."""
    require_control(call.key_principal, write=False, action="control::backups::describe")
    with call.ctx.store.read() as tx:
        row = tx.one(
            "SELECT * FROM restore_jobs WHERE id = ? AND project_id = ?",
            (call.path["job_id"], call.key_principal.project_id),
        )
    if row is None:
        raise not_found(f"Restore job {call.path['job_id']} not found.")
    return Reply(200, restore_job_json(row, call.now, call.ctx.settings.ready_after))
