"""Carrying out changes to projects, API keys and service accounts through the Admin API.

Each function performs one planned change idempotently and returns its ChangeResult: a create that
meets 409 with a matching live object, or a delete that meets 404, is ALREADY. API key and service
account names are not unique server-side, so their creates go through `create_once`, which keeps two
runs racing on one name from making two. Secrets in create answers go straight to the SecretSink; only
the path it returns is kept. Never decides what to change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from declarate import redaction
from declarate.errors import Conflict, NotFound, PreconditionFailed
from declarate.model.canonical import canonical_api_key, canonical_project
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome, SecretSink
from declarate.providers.pinecone.client import send_create
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.unique_names import create_once
from declarate.providers.pinecone.wire import (
    api_key_create_body,
    api_key_update_body,
    differing_paths,
    project_create_body,
    project_update_body,
    service_account_create_body,
)


def result(
    change: Change, outcome: Outcome, message: str = "", secret_path: str | None = None
) -> ChangeResult:
    return ChangeResult(change.address, outcome, message, secret_path)


def unsupported(change: Change) -> ChangeResult:
    return result(change, Outcome.FAILED, f"{change.action.value} is not possible for a {change.kind.value}")


def matched(change: Change, desired: Mapping[str, Any], live: Mapping[str, Any], what: str) -> ChangeResult:
    """ALREADY when the object met on a 409 is the desired one, else FAILED saying how it differs."""
    paths = differing_paths(dict(desired), dict(live))
    if not paths:
        return result(change, Outcome.ALREADY, f"{what} already exists as desired")
    return result(
        change,
        Outcome.FAILED,
        f"a different {what} with this name already exists (differs in {', '.join(paths)}); "
        "run plan again to reconcile it",
    )


# -- projects ------------------------------------------------------------------------------------


async def execute_project(
    session: Session, change: Change, desired: Resource | None, live: Resource | None
) -> ChangeResult:
    client, directory = session.client, session.directory
    name = change.address.name
    if change.action is Action.CREATE and desired is not None:

        async def existing() -> dict[str, Any] | None:
            listed = (await client.admin("GET", "/admin/projects")).get("data") or []
            return next((p for p in listed if p["name"] == name), None)

        try:
            created = await send_create(
                lambda: client.admin(
                    "POST", "/admin/projects", json=project_create_body(desired.attrs), retry_ambiguous=False
                ),
                existing,
                attempts=session.options.create_attempts,
            )
        except Conflict:
            found = await existing()
            if found is None:
                raise
            directory.projects[name] = found["id"]
            return matched(change, desired.attrs, canonical_project(found), "project")
        directory.projects[name] = created["id"]
        return result(change, Outcome.DONE)
    if change.action is Action.UPDATE and desired is not None:
        body = project_update_body(desired.attrs, live.attrs if live else {})
        if not body:
            return result(change, Outcome.ALREADY, "nothing to change")
        project_id = await directory.project_id(name)
        await client.admin("PATCH", f"/admin/projects/{project_id}", json=body)
        return result(change, Outcome.DONE)
    if change.action is Action.DELETE:
        return await _delete_project(session, change, live)
    return unsupported(change)


async def _delete_project(session: Session, change: Change, live: Resource | None) -> ChangeResult:
    name = change.address.name
    project_id = (
        str(live.server["id"]) if live and "id" in live.server else session.directory.projects.get(name)
    )
    if project_id is None:
        return result(change, Outcome.ALREADY, "the project does not exist")
    try:
        await session.client.admin("DELETE", f"/admin/projects/{project_id}")
    except NotFound:
        return result(change, Outcome.ALREADY, "the project was already deleted")
    except PreconditionFailed as exc:
        return result(
            change,
            Outcome.FAILED,
            f"{exc}: the project still holds indexes, backups or collections (indexes being deleted "
            "must be gone first: apply without --no-wait)",
        )
    session.directory.projects.pop(name, None)
    session.keys.forget(name)
    return result(change, Outcome.DONE)


# -- API keys ------------------------------------------------------------------------------------


async def execute_api_key(
    session: Session, change: Change, desired: Resource | None, live: Resource | None, secrets: SecretSink
) -> ChangeResult:
    client = session.client
    project, name = str(change.address.project), change.address.name
    if change.action is Action.CREATE and desired is not None:
        project_id = await session.directory.project_id(project)
        path = f"/admin/projects/{project_id}/api-keys"

        async def sweep() -> None:
            # The lost attempt may have made a key whose secret we never saw: delete, then resend.
            await session.keys.delete_named(project_id, name)

        written: list[str] = []

        async def send() -> dict[str, Any]:
            answer: dict[str, Any] = await send_create(
                lambda: client.admin(
                    "POST", path, json=api_key_create_body(desired.attrs), retry_ambiguous=False
                ),
                sweep,
                attempts=session.options.create_attempts,
            )
            # Write-ahead: the value goes to its file before any further request, so a failed read or
            # a killed run after this point never leaves a key nobody can use.
            redaction.register(str(answer["value"]))
            written.append(secrets.store(change.address, "value", str(answer["value"])))
            return answer

        async def named() -> list[dict[str, Any]]:
            listed = await client.admin("GET", path)
            return [k for k in listed.get("data") or [] if k["name"] == name]

        try:
            claim = await create_once(
                what=str(change.address),
                list_named=named,
                create=send,
                created_id=lambda answer: str(answer["key"]["id"]),
                delete=session.keys.delete_id,
            )
        except Conflict:
            found = await _find_key(session, project_id, name)
            if found is None:
                raise
            return matched(change, desired.attrs, canonical_api_key(found), "API key")
        _discard_void(secrets, written, claim.created is not None)
        if claim.created is None:
            assert claim.existing is not None
            return _claimed_elsewhere(
                matched(change, desired.attrs, canonical_api_key(claim.existing), "API key"), claim.raced
            )
        return result(change, Outcome.DONE, "", written[-1])  # renderers say where the secret went
    if change.action is Action.UPDATE and desired is not None:
        key_id = await _key_id(session, project, name, live)
        if key_id is None:
            return result(change, Outcome.FAILED, "the API key no longer exists")
        await client.admin("PATCH", f"/admin/api-keys/{key_id}", json=api_key_update_body(desired.attrs))
        return result(change, Outcome.DONE)
    if change.action is Action.DELETE:
        key_id = await _key_id(session, project, name, live)
        if key_id is None:
            return result(change, Outcome.ALREADY, "the API key does not exist")
        try:
            await client.admin("DELETE", f"/admin/api-keys/{key_id}")
        except NotFound:
            return result(change, Outcome.ALREADY, "the API key was already deleted")
        return result(change, Outcome.DONE)
    return unsupported(change)


def _claimed_elsewhere(outcome: ChangeResult, raced: bool) -> ChangeResult:
    """`outcome` for an object another run created: say so, and that its secret is not ours to show."""
    if outcome.outcome is not Outcome.ALREADY:
        return outcome
    how = (
        "another run created it at the same moment; its secret is wherever that run wrote it"
        if raced
        else "it was created since the plan was made; this run never saw its secret"
    )
    note = f"{outcome.message} ({how})"
    return ChangeResult(outcome.address, outcome.outcome, note, None)


def _discard_void(secrets: SecretSink, written: list[str], kept_last: bool) -> None:
    """Remove the secrets written for objects `create_once` deleted itself after losing a race.

    Only then: a secret whose object may still exist (a failure after the create) is always kept.
    A secret is stored under its address, so a racer that yielded once and then won wrote both
    attempts to the same path: that path holds the kept secret and is never discarded.
    """
    kept = written[-1] if kept_last and written else None
    for path in dict.fromkeys(written[:-1] if kept_last else written):
        if path != kept:
            secrets.discard(path)


async def _find_key(session: Session, project_id: str, name: str) -> dict[str, Any] | None:
    listed = await session.client.admin("GET", f"/admin/projects/{project_id}/api-keys")
    return next((k for k in listed.get("data") or [] if k["name"] == name), None)


async def _key_id(session: Session, project: str, name: str, live: Resource | None) -> str | None:
    if live is not None and "id" in live.server:
        return str(live.server["id"])
    if project not in session.directory.projects:
        return None
    found = await _find_key(session, session.directory.projects[project], name)
    return None if found is None else str(found["id"])


# -- service accounts ----------------------------------------------------------------------------


async def execute_service_account(
    session: Session, change: Change, desired: Resource | None, live: Resource | None, secrets: SecretSink
) -> ChangeResult:
    client, directory = session.client, session.directory
    name = change.address.name
    if change.action is Action.CREATE and desired is not None:

        async def sweep() -> None:
            # A service account made by a lost attempt has a secret nobody saw: delete, then resend.
            for account in await client.admin_pages("/admin/service-accounts"):
                if account["name"] == name:
                    await client.admin("DELETE", f"/admin/service-accounts/{account['id']}")

        written: list[str] = []

        async def send() -> dict[str, Any]:
            answer: dict[str, Any] = await send_create(
                lambda: client.admin(
                    "POST",
                    "/admin/service-accounts",
                    json=service_account_create_body(desired.attrs),
                    retry_ambiguous=False,
                ),
                sweep,
                attempts=session.options.create_attempts,
            )
            # Write-ahead, as for API keys: the secret is on disk before any further request.
            redaction.register(str(answer["client_secret"]))
            written.append(secrets.store(change.address, "client_secret", str(answer["client_secret"])))
            return answer

        async def named() -> list[dict[str, Any]]:
            return [a for a in await client.admin_pages("/admin/service-accounts") if a["name"] == name]

        async def delete(account_id: str) -> None:
            with contextlib.suppress(NotFound):
                await client.admin("DELETE", f"/admin/service-accounts/{account_id}")

        try:
            claim = await create_once(
                what=str(change.address),
                list_named=named,
                create=send,
                created_id=lambda answer: str(answer["service_account"]["id"]),
                delete=delete,
            )
        except Conflict:
            directory.service_accounts.pop(name, None)
            await directory.service_account_id(name)  # raises when the conflict is not a same-name account
            return result(change, Outcome.ALREADY, "service account already exists")
        _discard_void(secrets, written, claim.created is not None)
        if claim.created is None:
            assert claim.existing is not None
            directory.service_accounts[name] = str(claim.existing["id"])
            return _claimed_elsewhere(
                result(change, Outcome.ALREADY, "service account already exists"), claim.raced
            )
        account = claim.created["service_account"]
        directory.service_accounts[name] = account["id"]
        return result(change, Outcome.DONE, f"client id {account['client_id']}", written[-1])
    if change.action is Action.DELETE:
        account_id = (
            str(live.server["id"]) if live and "id" in live.server else directory.service_accounts.get(name)
        )
        if account_id is None:
            return result(change, Outcome.ALREADY, "the service account does not exist")
        try:
            await client.admin("DELETE", f"/admin/service-accounts/{account_id}")
        except NotFound:
            return result(change, Outcome.ALREADY, "the service account was already deleted")
        directory.service_accounts.pop(name, None)
        return result(change, Outcome.DONE)
    return unsupported(change)
