"""Backup schedules through the 2026-07 control plane: reading an index's schedules, carrying out changes.

Reading lists one index's schedules (every page). Create posts the schedule (the API creates it
enabled; a schedule declared `enabled: false` is disabled by a PATCH right after) through
`create_once`, because the API does not keep schedule names unique: a resend after a lost answer
or two concurrent runs must not leave two schedules of one name. Update patches only the fields
that differ; delete answers 204, and a 404 counts as done. Every call uses the project's
control-plane key. Never decides what to change.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote

from declarate.errors import Conflict, NotFound
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone.admin_changes import matched, result, unsupported
from declarate.providers.pinecone.client import PAGINATION_TOKEN_PARAM, send_create
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.unique_names import create_once
from declarate.providers.pinecone.wire import (
    backup_schedule_create_body,
    backup_schedule_resource,
    backup_schedule_update_body,
)


def _schedules_path(index: str) -> str:
    return f"/indexes/{quote(index, safe='')}/backup-schedules"


def _schedule_path(schedule_id: str) -> str:
    return f"/backup-schedules/{quote(schedule_id, safe='')}"


async def list_backup_schedules(session: Session, project: str, index: str) -> list[dict[str, Any]]:
    """Every schedule of a live index (all pages); [] when the index is gone meanwhile."""
    key = await session.keys.key_for(project)
    schedules: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    seen: set[str] = set()
    while True:
        try:
            page = await session.client.control("GET", _schedules_path(index), key, params=params)
        except NotFound:
            return []
        schedules.extend((page or {}).get("data") or [])
        following = ((page or {}).get("pagination") or {}).get("next")
        if not following or following in seen:  # a repeated cursor would loop forever
            return schedules
        seen.add(following)
        params = {PAGINATION_TOKEN_PARAM: following}


async def read_backup_schedules(session: Session, project: str, index: str) -> list[Resource]:
    return [
        backup_schedule_resource(project, index, raw)
        for raw in await list_backup_schedules(session, project, index)
    ]


async def execute_backup_schedule(
    session: Session, change: Change, desired: Resource | None, live: Resource | None
) -> ChangeResult:
    if change.action is Action.CREATE and desired is not None:
        return await _create(session, change, desired)
    if change.action is Action.UPDATE and desired is not None:
        return await _update(session, change, desired, live)
    if change.action is Action.DELETE:
        return await _delete(session, change, live)
    return unsupported(change)


async def _named(session: Session, change: Change) -> list[dict[str, Any]]:
    """The live schedules of the change's index with its name, each with `id` (for `create_once`)."""
    address = change.address
    listed = await list_backup_schedules(session, str(address.project), str(address.index_name))
    return [{**s, "id": s["schedule_id"]} for s in listed if s.get("name") == address.name]


async def _create(session: Session, change: Change, desired: Resource) -> ChangeResult:
    address = change.address
    project, index = str(address.project), str(address.index_name)
    key = await session.keys.key_for(project)
    client = session.client

    async def recover() -> dict[str, Any] | None:
        # A lost answer may have made it: a schedule holds no secret, so the one found is ours.
        found = await _named(session, change)
        return found[0] if found else None

    async def send() -> dict[str, Any]:
        answer: dict[str, Any] = await send_create(
            lambda: client.control(
                "POST",
                _schedules_path(index),
                key,
                json=backup_schedule_create_body(desired.attrs),
                retry_ambiguous=False,
            ),
            recover,
            attempts=session.options.create_attempts,
        )
        return answer

    async def delete(schedule_id: str) -> None:
        with contextlib.suppress(NotFound):
            await client.control("DELETE", _schedule_path(schedule_id), key)

    try:
        claim = await create_once(
            what=str(address),
            list_named=lambda: _named(session, change),
            create=send,
            created_id=lambda answer: str(answer["schedule_id"]),
            delete=delete,
        )
    except NotFound:
        return result(change, Outcome.FAILED, f"index {index} does not exist: run plan again")
    except Conflict as exc:
        return result(
            change,
            Outcome.FAILED,
            f"{exc}: the index already has an enabled backup schedule that this plan does not disable",
        )
    if claim.existing is not None:
        live = backup_schedule_resource(project, index, claim.existing)
        if live.attrs == desired.attrs or claim.raced:
            return matched(change, desired.attrs, live.attrs, "backup schedule")
        return await _patch(session, change, desired.attrs, live, Outcome.DONE)
    created = claim.created or {}
    if not desired.attrs["enabled"]:
        # The API creates schedules enabled; disabling at once keeps the declared state.
        made = backup_schedule_resource(project, index, created)
        return await _patch(session, change, desired.attrs, made, Outcome.DONE)
    return result(change, Outcome.DONE)


async def _update(session: Session, change: Change, desired: Resource, live: Resource | None) -> ChangeResult:
    if live is None or "schedule_id" not in live.server:
        found = await _named(session, change)
        if not found:
            return result(change, Outcome.FAILED, "the backup schedule no longer exists: run plan again")
        live = backup_schedule_resource(str(change.address.project), str(change.address.index_name), found[0])
    return await _patch(session, change, desired.attrs, live, Outcome.DONE)


async def _patch(
    session: Session, change: Change, desired: Any, live: Resource, done: Outcome
) -> ChangeResult:
    body = backup_schedule_update_body(desired, live.attrs)
    if not body:
        return result(change, Outcome.ALREADY, "the backup schedule already is as desired")
    key = await session.keys.key_for(str(change.address.project))
    path = _schedule_path(str(live.server["schedule_id"]))
    try:
        await session.client.control("PATCH", path, key, json=body)
    except NotFound:
        return result(change, Outcome.FAILED, "the backup schedule no longer exists: run plan again")
    except Conflict as exc:
        return result(
            change,
            Outcome.FAILED,
            f"{exc}: the index already has another enabled backup schedule",
        )
    return result(change, done)


async def _delete(session: Session, change: Change, live: Resource | None) -> ChangeResult:
    key = await session.keys.key_for(str(change.address.project))
    ids = (
        [str(live.server["schedule_id"])]
        if live is not None and "schedule_id" in live.server
        else [str(s["schedule_id"]) for s in await _named(session, change)]
    )
    if not ids:
        return result(change, Outcome.ALREADY, "the backup schedule was already deleted")
    gone = 0
    for schedule_id in ids:
        try:
            await session.client.control("DELETE", _schedule_path(schedule_id), key)
        except NotFound:
            gone += 1
    if gone == len(ids):
        return result(change, Outcome.ALREADY, "the backup schedule was already deleted")
    return result(change, Outcome.DONE)
