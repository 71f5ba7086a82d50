"""Carrying out role-binding changes, inviting people who are not in the organization yet.

A binding's principal is resolved by name: a service account's name to its id, an email to the
user's id, else to a pending invite's id, else a new invite is created carrying the binding. An
invite needs an organization membership role; when the binding being made is not one, `OrgMember`
is added as a stand-in and removed again if a declared membership role for that person arrives in
the same run. Role bindings are immutable: only create and delete exist. Never decides what to change.
"""

from __future__ import annotations

import contextlib
from typing import Any

from declarate.errors import Conflict, NotFound
from declarate.model.address import PrincipalType
from declarate.model.kinds import MEMBERSHIP_ROLES
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone.admin_changes import result, unsupported
from declarate.providers.pinecone.client import send_create
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.wire import binding_scope, invite_body, role_binding_body

STAND_IN_ROLE = "OrgMember"


async def execute_role_binding(
    session: Session, change: Change, desired: Resource | None, live: Resource | None
) -> ChangeResult:
    if change.action is Action.CREATE:
        return await _create(session, change)
    if change.action is Action.DELETE:
        return await _delete(session, change, live)
    return unsupported(change)


async def _create(session: Session, change: Change) -> ChangeResult:
    principal_type, principal, role = change.address.role_binding_parts()
    project = change.address.project
    project_id = None if project is None else await session.directory.project_id(project)
    if principal_type is PrincipalType.SERVICE_ACCOUNT:
        account_id = await session.directory.service_account_id(principal)
        return await _bind(session, change, "service_account", account_id, project_id, role)
    async with session.email_lock(principal):
        user_id = await session.directory.user_id(principal)
        if user_id is not None:
            return await _bind(session, change, "user", user_id, project_id, role)
        invite_id = await session.directory.invite_id(principal)
        if invite_id is None:
            return await _invite(session, change, principal, project_id, role)
        outcome = await _bind(session, change, "invite", invite_id, project_id, role)
        if outcome.outcome is not Outcome.FAILED and project_id is None and role in MEMBERSHIP_ROLES:
            await _retire_stand_in(session, principal, invite_id, role)
        return outcome


async def _bind(
    session: Session, change: Change, wire_type: str, principal_id: str, project_id: str | None, role: str
) -> ChangeResult:
    body = role_binding_body(wire_type, principal_id, project_id, role)
    try:
        # Safe to resend: an identical binding is a 409, which is checked below.
        await session.client.admin("POST", "/admin/role-bindings", json=body)
    except Conflict:
        if await _find(session, wire_type, principal_id, project_id, role) is None:
            raise
        return result(change, Outcome.ALREADY, "the role binding already exists")
    return result(change, Outcome.DONE)


async def _invite(
    session: Session, change: Change, email: str, project_id: str | None, role: str
) -> ChangeResult:
    bindings: list[tuple[str | None, str]] = [(project_id, role)]
    stand_in = not (project_id is None and role in MEMBERSHIP_ROLES)
    if stand_in:
        bindings.append((None, STAND_IN_ROLE))
    client = session.client

    async def pending() -> dict[str, Any] | None:
        await session.directory.load_invites()
        invite_id = await session.directory.invite_id(email)
        return None if invite_id is None else {"id": invite_id}

    try:
        invite = await send_create(
            lambda: client.admin(
                "POST", "/admin/invites", json=invite_body(email, bindings), retry_ambiguous=False
            ),
            pending,
            attempts=session.options.create_attempts,
        )
    except Conflict:
        # They joined (or were invited) since the read: bind to whoever they are now.
        await session.directory.load_users(refresh=True)
        user_id = await session.directory.user_id(email)
        if user_id is not None:
            return await _bind(session, change, "user", user_id, project_id, role)
        invite_id = (await pending() or {}).get("id")
        if invite_id is None:
            raise
        return await _bind(session, change, "invite", str(invite_id), project_id, role)
    session.directory.add_invite(email, invite["id"])
    if stand_in:
        session.stand_in_roles[email.lower()] = STAND_IN_ROLE
    return result(change, Outcome.DONE, f"invited {email}: the binding holds once they accept")


async def _retire_stand_in(session: Session, email: str, invite_id: str, role: str) -> None:
    """A declared membership role now exists for the invite: drop the stand-in declarate added."""
    stand_in = session.stand_in_roles.pop(email.lower(), None)
    if stand_in is None or stand_in == role:
        return  # none added, or the stand-in is exactly what is declared
    found = await _find(session, "invite", invite_id, None, stand_in)
    if found is not None:
        with contextlib.suppress(NotFound):
            await session.client.admin("DELETE", f"/admin/role-bindings/{found['id']}")


async def _find(
    session: Session, wire_type: str, principal_id: str, project_id: str | None, role: str
) -> dict[str, Any] | None:
    params = {
        "principal_type": wire_type,
        "principal_id": principal_id,
        "role": role,
        **binding_scope(project_id),
    }
    for binding in await session.client.admin_pages("/admin/role-bindings", params):
        if (
            binding.get("principal_id") == principal_id
            and binding.get("role") == role
            and (project_id is None or binding.get("resource_id") == project_id)
        ):
            return binding
    return None


async def _delete(session: Session, change: Change, live: Resource | None) -> ChangeResult:
    binding_id = None if live is None else live.server.get("id")
    if binding_id is None:
        return result(change, Outcome.ALREADY, "the role binding does not exist")
    try:
        await session.client.admin("DELETE", f"/admin/role-bindings/{binding_id}")
    except NotFound:
        return result(change, Outcome.ALREADY, "the role binding was already deleted")
    return result(change, Outcome.DONE)
