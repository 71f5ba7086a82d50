"""Carrying out in-place renames (`renamed_from`) of projects, API keys and service accounts.

One PATCH of `name` (with the other changed fields of the same object) through the Admin API: the
object keeps its id, an API key its value, a service account its client id and secret. The secret
files follow the rename before it is sent (`SecretSink.rename`), so a run killed after the PATCH
never leaves a credential whose secret is filed under a name it no longer has; a definite refusal
moves them back. A rename already made (the old name gone, the new one there) is ALREADY. Never
decides what to change.
"""

from __future__ import annotations

from typing import Any

from declarate.errors import ApiError, NotFound
from declarate.model.address import Address, Kind
from declarate.model.plan import Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome, SecretSink
from declarate.providers.pinecone.admin_changes import result, unsupported
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.wire import api_key_update_body, project_update_body


async def execute_in_place_rename(
    session: Session, change: Change, desired: Resource | None, live: Resource | None, secrets: SecretSink
) -> ChangeResult:
    """Rename the live object `change.renamed_from` to `change.address` with one update."""
    old = change.renamed_from
    if old is None or desired is None:
        return unsupported(change)
    target = await _target(session, change, old, desired, live)
    if target is None:
        return result(change, Outcome.FAILED, f"{old} no longer exists: run plan again")
    path, body = target
    secrets.rename(old, change.address)
    try:
        await session.client.admin("PATCH", path, json=body)
    except NotFound:
        secrets.rename(change.address, old)
        return result(change, Outcome.FAILED, f"{old} no longer exists: run plan again")
    except ApiError as exc:
        if exc.status < 500:  # a definite refusal changed nothing: the files go back to the old name
            secrets.rename(change.address, old)
        raise
    _learn(session, change, old, path)
    return result(change, Outcome.DONE, f"renamed from {old.name}")


async def _target(
    session: Session, change: Change, old: Address, desired: Resource, live: Resource | None
) -> tuple[str, dict[str, Any]] | None:
    """(PATCH path, body) of the rename, or None when the old object cannot be found."""
    live_id = str(live.server["id"]) if live is not None and "id" in live.server else None
    live_attrs = live.attrs if live is not None else {}
    directory = session.directory
    if change.kind is Kind.PROJECT:
        project_id = live_id or directory.projects.get(old.name)
        body = {"name": change.address.name, **project_update_body(desired.attrs, live_attrs)}
        return None if project_id is None else (f"/admin/projects/{project_id}", body)
    if change.kind is Kind.API_KEY:
        key_id = live_id or await _key_id(session, old)
        body = {"name": change.address.name, **api_key_update_body(desired.attrs)}
        return None if key_id is None else (f"/admin/api-keys/{key_id}", body)
    if change.kind is Kind.SERVICE_ACCOUNT:
        account_id = live_id or directory.service_accounts.get(old.name)
        body = {"name": change.address.name}
        return None if account_id is None else (f"/admin/service-accounts/{account_id}", body)
    return None


async def _key_id(session: Session, old: Address) -> str | None:
    project_id = session.directory.projects.get(str(old.project))
    if project_id is None:
        return None
    listed = await session.client.admin("GET", f"/admin/projects/{project_id}/api-keys")
    return next((str(k["id"]) for k in listed.get("data") or [] if k["name"] == old.name), None)


def _learn(session: Session, change: Change, old: Address, path: str) -> None:
    """Keep the directory current: later changes of this run reach the object by its new name."""
    object_id = path.rsplit("/", 1)[-1]
    if change.kind is Kind.PROJECT:
        session.directory.projects.pop(old.name, None)
        session.directory.projects[change.address.name] = object_id
        session.keys.renamed(old.name, change.address.name)
    elif change.kind is Kind.SERVICE_ACCOUNT:
        session.directory.service_accounts.pop(old.name, None)
        session.directory.service_accounts[change.address.name] = object_id
