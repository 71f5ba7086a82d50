"""Carrying out index changes through the control plane, and waiting for indexes to settle.

Create (POST /indexes, or /indexes/create-for-model for integrated embedding), update, adopt and
unmanage (PATCH with only the changed mutable fields), replace (delete, wait for 404, create) and delete,
each idempotent; an index the plan destroys because it was empty is counted again first. `wait_for_index` polls describe with backoff until Ready, or until 404 for a
delete. Every call uses the project's control-plane key. Never decides what to change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from declarate.errors import Conflict, DeclarateError, Forbidden, NotFound
from declarate.model.canonical import canonical_index
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone.admin_changes import matched, result, unsupported
from declarate.providers.pinecone.data_impact import read_data_impacts
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.wire import UnsupportedChange, index_configure_body, index_create_request

FAILED_STATES = frozenset({"InitializationFailed", "Failed"})


class WaitFailed(DeclarateError):
    """An index reached a failed state, or vanished while it was expected to become Ready."""


class WaitTimedOut(WaitFailed, TimeoutError):
    """An index did not become Ready (or gone) within the wait timeout."""


async def execute_index(
    session: Session, change: Change, desired: Resource | None, live: Resource | None
) -> ChangeResult:
    action = change.action
    try:
        if action is Action.CREATE and desired is not None:
            return await _create(session, change, desired)
        # Unmanage is an update of one tag: its desired side is the live index without the ownership tag.
        if action in (Action.UPDATE, Action.ADOPT, Action.UNMANAGE) and desired is not None:
            return await _configure(session, change, desired, live)
        if action is Action.REPLACE and desired is not None:
            index_create_request(desired.attrs)  # refuse before deleting anything we could not recreate
            await _check_still_empty(session, change, live)
            await _delete(session, change)
            await poll_index(session, change, gone=True, on_state=lambda _: None)
            return await _create(session, change, desired)
        if action is Action.DELETE:
            await _check_still_empty(session, change, live)
            return await _delete(session, change)
    except UnsupportedChange as exc:
        return result(change, Outcome.FAILED, str(exc))
    return unsupported(change)


async def _create(session: Session, change: Change, desired: Resource) -> ChangeResult:
    project, name = str(change.address.project), change.address.name
    request = index_create_request(desired.attrs)
    key = await session.keys.key_for(project)
    try:
        # Safe to resend: a second create of the same name is a 409, checked below.
        created = await session.client.control("POST", request.path, key, json=request.body)
    except Conflict:
        found = await session.client.control("GET", f"/indexes/{name}", key)
        _remember_status(session, project, found)
        return matched(change, desired.attrs, canonical_index(found), "index")
    _remember_status(session, project, created)
    return result(change, Outcome.DONE)


async def _configure(
    session: Session, change: Change, desired: Resource, live: Resource | None
) -> ChangeResult:
    project, name = str(change.address.project), change.address.name
    key = await session.keys.key_for(project)
    live_attrs = (
        live.attrs
        if live is not None
        else canonical_index(await session.client.control("GET", f"/indexes/{name}", key))
    )
    body = index_configure_body(desired.attrs, live_attrs, [f.path for f in change.fields])
    if not body:
        return result(change, Outcome.ALREADY, "the index already is as desired")
    try:
        configured = await session.client.control("PATCH", f"/indexes/{name}", key, json=body)
    except NotFound:
        return result(change, Outcome.FAILED, "the index no longer exists: run plan again")
    _remember_status(session, project, configured)
    return result(change, Outcome.DONE)


async def _check_still_empty(session: Session, change: Change, live: Resource | None) -> None:
    """An index the plan destroys freely because it held no record is destroyed only if it still holds none.

    The data-loss rule saw the count at plan time; records written since (while a reviewer read the
    plan, or before a confirmation) would be lost without the plan saying so. A count the plan
    showed and an override accepted, or none read at all, is not checked again.
    """
    impact = change.data_impact
    if impact is None or impact.records != 0 or live is None:
        return
    now = (await read_data_impacts(session, [live]))[live.address]
    if now.records == 0:
        return
    raise UnsupportedChange(
        f"index {change.address.name} held no record when planned, but now {now.summary('it holds')}: "
        "it is kept; plan again (the data-loss rule decides with the new count)"
    )


async def _delete(session: Session, change: Change) -> ChangeResult:
    project, name = str(change.address.project), change.address.name
    key = await session.keys.key_for(project)
    session.index_status.pop((project, name), None)
    try:
        await session.client.control("DELETE", f"/indexes/{name}", key)
    except NotFound:
        return result(change, Outcome.ALREADY, "the index was already deleted")
    except Forbidden as exc:
        raise UnsupportedChange(
            f"{exc}: deletion protection is enabled on index {name}; set deletion_protection: "
            "disabled and apply that first"
        ) from None
    return result(change, Outcome.DONE)


def _remember_status(session: Session, project: str, answer: Any) -> None:
    if isinstance(answer, dict) and isinstance(answer.get("status"), dict):
        session.index_status[(project, str(answer.get("name")))] = answer["status"]


async def wait_for_index(session: Session, change: Change, on_state: Callable[[str], None]) -> None:
    """Block until the index is Ready (create, update, adopt, replace) or gone (delete)."""
    project, name = str(change.address.project), change.address.name
    gone = change.action is Action.DELETE
    seen = session.index_status.pop((project, name), None)
    if not gone and seen is not None and seen.get("ready"):
        return  # the create or configure answer already said Ready: no need to ask again
    await poll_index(session, change, gone=gone, on_state=on_state)


async def poll_index(
    session: Session, change: Change, *, gone: bool, on_state: Callable[[str], None]
) -> None:
    """Poll describe with growing intervals until Ready (or 404 when `gone`), within the timeout."""
    project, name = str(change.address.project), change.address.name
    key = await session.keys.key_for(project)
    options = session.options
    deadline = time.monotonic() + options.wait_timeout
    delay = options.poll_initial
    last_state: str | None = None
    while True:
        try:
            described = await session.client.control("GET", f"/indexes/{name}", key)
        except NotFound:
            if gone:
                return
            raise WaitFailed(f"index {name} disappeared while waiting for it to become Ready") from None
        status = (described or {}).get("status") or {}
        state = str(status.get("state"))
        if state != last_state:
            on_state(state)
            last_state = state
        if not gone and status.get("ready"):
            return
        if not gone and state in FAILED_STATES:
            raise WaitFailed(f"index {name} is {state}")
        if time.monotonic() + delay > deadline:
            wanted = "to be deleted" if gone else "to become Ready"
            raise WaitTimedOut(
                f"timed out after {options.wait_timeout:g}s waiting for index {name} {wanted} ({state})"
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, options.poll_cap)
