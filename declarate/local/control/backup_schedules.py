"""Control plane: backup schedules (list, create, describe, update, delete, history).

A schedule backs up one serverless or BYOC index daily, weekly or monthly (calendar months) and
keeps each backup for ``retention_expire_after_days``. There is no worker: runs are the instants
``anchor + k * period`` and are materialized by ``catch_up`` the first time anything in the
project's backups is read after them (a backup ``{name}-{YYYYMMDDTHHMMSSZ}`` taken at the run
instant, with an id derived from the schedule and the instant, so the history's ``Scheduled`` row
keeps its id once it runs). Expired backups are removed the same way. An index holds at most one
enabled schedule (409). Create answers 200, delete 204. Scoped to the calling key's project.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, datetime
from typing import Any

from .. import clock, field_rules
from ..access import require_control
from ..data import snapshots
from ..errors import already_exists, bad_request, not_found
from ..pagination import page_request, paginate, pagination_json
from ..routing import Call, Reply
from ..store import Row, Tx, loads
from .backup_rows import is_pod, location, take_backup
from .index_model import find_index, settled

FREQUENCIES = ("daily", "weekly", "monthly")
SCHEDULE_TYPE = "time-based"
MAX_RETENTION_DAYS = 3650
DAY = 86400.0
_ID_NAMESPACE = uuid.UUID("5d1f0c1e-8b1a-4f55-9a43-6c0de5c4ed01")


def _run_after(frequency: str, anchor: float, after: float) -> float:
    """The first run instant strictly after ``after`` (runs are ``anchor`` + whole periods)."""
    if frequency != "monthly":
        period = DAY if frequency == "daily" else 7 * DAY
        periods = max(1, int((after - anchor) // period) + 1)
        return anchor + periods * period
    start = datetime.fromtimestamp(anchor, UTC)
    months = 1
    while True:
        year, month = divmod(start.month - 1 + months, 12)
        year, month = start.year + year, month + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        moment = start.replace(year=year, month=month, day=day).timestamp()
        if moment > after:
            return moment
        # Jump close to ``after`` instead of walking month by month from a distant anchor.
        months += max(1, int((after - moment) // (31 * DAY)))


def _run_name(schedule: Row, instant: float) -> str:
    return f"{schedule['name']}-{datetime.fromtimestamp(instant, UTC).strftime('%Y%m%dT%H%M%SZ')}"


def _run_id(schedule: Row, instant: float) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{schedule['id']}@{instant!r}"))


def _materialize(tx: Tx, schedule: Row, index: Row | None, now: float) -> None:
    """Take the backups of the runs due since the last catch-up that are not yet expired."""
    retention = schedule["retention_days"] * DAY
    instant = _run_after(
        schedule["frequency"], schedule["anchor"], max(schedule["ran_until"], now - retention)
    )
    while instant <= now:
        if index is not None and (index["deleted_at"] is None or index["deleted_at"] > instant):
            backup_id = _run_id(schedule, instant)
            if tx.one("SELECT id FROM backups WHERE id = ?", (backup_id,)) is None:
                take_backup(tx, index, backup_id, _run_name(schedule, instant), None, instant)
                tx.insert(
                    "scheduled_backups",
                    {
                        "backup_id": backup_id,
                        "schedule_id": schedule["id"],
                        "expires_at": instant + retention,
                    },
                )
        instant = _run_after(schedule["frequency"], schedule["anchor"], instant)
    tx.update("backup_schedules", {"ran_until": now}, "id = ?", (schedule["id"],))


def catch_up(tx: Tx, project_id: str, now: float) -> None:
    """Materialize every due run of the project's enabled schedules, then drop expired backups."""
    for schedule in tx.all(
        "SELECT * FROM backup_schedules WHERE project_id = ? AND enabled = 1 AND ran_until < ?",
        (project_id, now),
    ):
        index = tx.one("SELECT * FROM indexes WHERE id = ?", (schedule["index_id"],))
        _materialize(tx, schedule, index, now)
    expired = tx.all(
        "SELECT s.backup_id FROM scheduled_backups s JOIN backups b ON b.id = s.backup_id "
        "WHERE b.project_id = ? AND s.expires_at <= ?",
        (project_id, now),
    )
    for row in expired:
        tx.run("DELETE FROM backups WHERE id = ?", (row["backup_id"],))
        tx.run("DELETE FROM scheduled_backups WHERE backup_id = ?", (row["backup_id"],))
        snapshots.forget(tx, row["backup_id"])


def schedule_json(row: Row, now: float) -> dict[str, Any]:
    """A BackupScheduleResponse: ``next_scheduled_run`` is ``null`` while disabled."""
    enabled = bool(row["enabled"])
    next_run = _run_after(row["frequency"], row["anchor"], max(now, row["anchor"])) if enabled else None
    return {
        "schedule_id": row["id"],
        "name": row["name"],
        "index_id": row["index_id"],
        "project_id": row["project_id"],
        "schedule_type": SCHEDULE_TYPE,
        "frequency": row["frequency"],
        "retention_expire_after_days": row["retention_days"],
        "enabled": enabled,
        "next_scheduled_run": clock.rfc3339(next_run) if next_run is not None else None,
        "created_at": clock.rfc3339(row["created_at"]),
    }


def _retention(raw: dict[str, Any]) -> int:
    days = int(raw["expire_after_days"])
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise bad_request(
            f"retention.expire_after_days must be between 1 and {MAX_RETENTION_DAYS}, got {days}."
        )
    return days


def _frequency(value: str, field: str) -> str:
    return field_rules.one_of(value, FREQUENCIES, field)


def _live_index(tx: Tx, call: Call, name: str) -> Row:
    settings = call.ctx.settings
    index = find_index(tx, call.key_principal.project_id, name, call.now, settings.ready_after)
    if index is None or index["deleted_at"] is not None:
        raise not_found(f"Index {name} not found.")
    return index


def _schedule(tx: Tx, call: Call) -> Row:
    row = tx.one(
        "SELECT * FROM backup_schedules WHERE id = ? AND project_id = ?",
        (call.path["schedule_id"], call.key_principal.project_id),
    )
    if row is None:
        raise not_found("Backup schedule not found.")
    return row


def _refuse_second_enabled(tx: Tx, index_id: str, except_id: str = "") -> None:
    other = tx.one(
        "SELECT id FROM backup_schedules WHERE index_id = ? AND enabled = 1 AND id != ?",
        (index_id, except_id),
    )
    if other is not None:
        raise already_exists("This index already has an enabled backup schedule. Disable or delete it first.")


def list_backup_schedules(call: Call) -> Reply:
    """GET /indexes/{index_name}/backup-schedules."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    name = call.path["index_name"]
    request = page_request(call.query, "list_backup_schedules", {"index_name": name}, maximum=None)
    with call.ctx.store.write() as tx:
        index = _live_index(tx, call, name)
        catch_up(tx, index["project_id"], call.now)
        rows = tx.all("SELECT * FROM backup_schedules WHERE index_id = ? ORDER BY seq", (index["id"],))
    page, token = paginate(rows, request)
    return Reply(
        200, {"data": [schedule_json(row, call.now) for row in page], "pagination": pagination_json(token)}
    )


def create_backup_schedule(call: Call) -> Reply:
    """POST /indexes/{index_name}/backup-schedules (200): enabled, its first run planned."""
    require_control(call.key_principal, write=True, action="control::backups::create")
    body = call.body
    field_rules.resource_name(body["name"], "backup schedule")
    schedule = body["schedule"]
    field_rules.one_of(schedule["type"], (SCHEDULE_TYPE,), "schedule.type")
    frequency = _frequency(schedule["frequency"], "schedule.frequency")
    retention = _retention(body["retention"])
    with call.ctx.store.write() as tx:
        index = _live_index(tx, call, call.path["index_name"])
        if is_pod(index):
            raise bad_request("Backup schedules are supported for serverless and BYOC indexes only.")
        _refuse_second_enabled(tx, index["id"])
        schedule_id = str(uuid.uuid4())
        tx.insert(
            "backup_schedules",
            {
                "id": schedule_id,
                "project_id": index["project_id"],
                "index_id": index["id"],
                "name": body["name"],
                "frequency": frequency,
                "retention_days": retention,
                "enabled": 1,
                "anchor": call.now,
                "ran_until": call.now,
                "created_at": call.now,
            },
        )
        row = tx.one("SELECT * FROM backup_schedules WHERE id = ?", (schedule_id,))
    assert row is not None
    return Reply(200, schedule_json(row, call.now))


def describe_backup_schedule(call: Call) -> Reply:
    """GET /backup-schedules/{schedule_id}."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        row = _schedule(tx, call)
    return Reply(200, schedule_json(row, call.now))


def update_backup_schedule(call: Call) -> Reply:
    """PATCH /backup-schedules/{schedule_id}: frequency, retention, enabled; omitted fields unchanged.

    Runs due under the old settings are taken first. A new frequency counts from now; re-enabling
    takes a backup at once (the spec's "enqueues a new backup operation") and counts from then.
    """
    require_control(call.key_principal, write=True, action="control::backups::create")
    body = call.body
    frequency = _frequency(body["frequency"], "frequency") if body.get("frequency") is not None else None
    retention = _retention(body["retention"]) if body.get("retention") is not None else None
    enabled = body.get("enabled")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        row = _schedule(tx, call)
        changes: dict[str, Any] = {}
        if frequency is not None and frequency != row["frequency"]:
            changes.update(frequency=frequency, anchor=call.now, ran_until=call.now)
        if retention is not None:
            changes["retention_days"] = retention
            tx.run(
                "UPDATE scheduled_backups SET expires_at = "
                "(SELECT created_at FROM backups WHERE backups.id = scheduled_backups.backup_id) + ? "
                "WHERE schedule_id = ?",
                (retention * DAY, row["id"]),
            )
        if enabled is not None and bool(enabled) != bool(row["enabled"]):
            changes["enabled"] = 1 if enabled else 0
            if enabled:
                _refuse_second_enabled(tx, row["index_id"], except_id=row["id"])
                changes.update(anchor=call.now, ran_until=call.now)
                _run_now(tx, row, retention or row["retention_days"], call.now)
        if changes:
            tx.update("backup_schedules", changes, "id = ?", (row["id"],))
        row = _schedule(tx, call)
        catch_up(tx, call.key_principal.project_id, call.now)  # a shorter retention may expire some now
    return Reply(200, schedule_json(row, call.now))


def _run_now(tx: Tx, schedule: Row, retention_days: int, now: float) -> None:
    index = tx.one("SELECT * FROM indexes WHERE id = ? AND deleted_at IS NULL", (schedule["index_id"],))
    if index is None:
        return
    backup_id = _run_id(schedule, now)
    take_backup(tx, index, backup_id, _run_name(schedule, now), None, now)
    tx.insert(
        "scheduled_backups",
        {"backup_id": backup_id, "schedule_id": schedule["id"], "expires_at": now + retention_days * DAY},
    )


def delete_backup_schedule(call: Call) -> Reply:
    """DELETE /backup-schedules/{schedule_id} (204): the backups it took stay until they expire."""
    require_control(call.key_principal, write=True, action="control::backups::delete")
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        row = _schedule(tx, call)
        tx.run("DELETE FROM backup_schedules WHERE id = ?", (row["id"],))
    return Reply(204)


def _history_item(row: Row, now: float, ready_after: float) -> dict[str, Any]:
    ready = settled(row["created_at"], now, ready_after)
    return {
        "backup_id": row["id"],
        "source_index_id": row["source_index_id"],
        "source_index_name": row["source_index_name"],
        "tags": None,
        "name": row["name"],
        "description": row["description"],
        "status": "Ready" if ready else "Initializing",
        "cloud": row["cloud"],
        "region": row["region"],
        "schema": {"fields": loads(row["schema"])},
        "record_count": 0 if ready else None,
        "namespace_count": 0 if ready else None,
        "size_bytes": 0 if ready else None,
        "created_at": clock.rfc3339(row["created_at"]),
    }


def _planned_item(schedule: Row, index: Row, now: float) -> dict[str, Any]:
    """The history row of the next run, before it starts (``status: Scheduled``)."""
    instant = _run_after(schedule["frequency"], schedule["anchor"], max(now, schedule["anchor"]))
    cloud, region = location(index)
    return {
        "backup_id": _run_id(schedule, instant),
        "source_index_id": index["id"],
        "source_index_name": index["name"],
        "tags": None,
        "name": _run_name(schedule, instant),
        "status": "Scheduled",
        "cloud": cloud,
        "region": region,
        "schema": {"fields": loads(index["schema"])},
        "created_at": clock.rfc3339(max(schedule["ran_until"], schedule["anchor"])),
        "scheduled_execution_at": clock.rfc3339(instant),
    }


_PLANNED_SEQ = (1 << 62) - 1  # after every real backup in the history's order


def list_backup_schedule_history(call: Call) -> Reply:
    """GET /backup-schedules/{schedule_id}/history: its backups, oldest first, then the planned run."""
    require_control(call.key_principal, write=False, action="control::backups::list")
    ready_after = call.ctx.settings.ready_after
    schedule_id = call.path["schedule_id"]
    request = page_request(call.query, "list_backup_schedule_history", {"schedule_id": schedule_id}, None)
    with call.ctx.store.write() as tx:
        catch_up(tx, call.key_principal.project_id, call.now)
        schedule = _schedule(tx, call)
        rows = tx.all(
            "SELECT b.* FROM backups b JOIN scheduled_backups s ON s.backup_id = b.id "
            "WHERE s.schedule_id = ? ORDER BY b.seq",
            (schedule["id"],),
        )
        index = tx.one("SELECT * FROM indexes WHERE id = ? AND deleted_at IS NULL", (schedule["index_id"],))
    items: list[Row] = [
        {"seq": row["seq"], "item": _history_item(row, call.now, ready_after)} for row in rows
    ]
    if schedule["enabled"] and index is not None:
        items.append({"seq": _PLANNED_SEQ, "item": _planned_item(schedule, index, call.now)})
    page, token = paginate(items, request)
    return Reply(200, {"data": [entry["item"] for entry in page], "pagination": pagination_json(token)})
