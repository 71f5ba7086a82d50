"""Reading live state with list endpoints only: O(projects) requests, never one per index.

Organization-wide lists (projects, service accounts, role bindings, and users or invites only when
bindings need them) come first; then each requested project that exists live is read concurrently
(its API keys and its indexes). Returns canonical State; it never changes anything except deleting
leftover temporary keys of crashed runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from declarate.model.address import ORGANIZATION, Address
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.providers.base import ReadRequest, StillNeeded
from declarate.providers.pinecone.keys import is_temporary_key
from declarate.providers.pinecone.schedules import read_backup_schedules
from declarate.providers.pinecone.session import Session, gather_all
from declarate.providers.pinecone.wire import (
    api_key_resource,
    index_resource,
    principal_types_of,
    project_resource,
    role_binding_resource,
    service_account_resource,
)


async def read_live(session: Session, request: ReadRequest, still_needed: StillNeeded | None = None) -> State:
    """Live state: every project, the organization, and the requested projects read whole; the
    temporary key of each project that `still_needed` says is done with goes once it is read."""
    client, directory = session.client, session.directory
    session.keys.use_directives(request.directives)
    # The critical path is projects -> temporary key -> index list: each project's reads start as
    # soon as the project list arrives, while the organization's lists (role bindings may take
    # several pages) and the principal lookups they imply go on beside them.
    organization = asyncio.ensure_future(_read_organization(session))
    reads: asyncio.Future[list[tuple[list[Resource], set[Address]]]] | None = None
    try:
        projects: list[dict[str, Any]] = (await client.admin("GET", "/admin/projects")).get("data") or []
        directory.learn_projects(projects)
        requested = {p["name"] for p in projects} if request.all_projects else set(request.projects)
        reads = asyncio.ensure_future(
            gather_all(
                *(
                    _read_project(session, p, request, still_needed)
                    for p in projects
                    if p["name"] in requested
                )
            )
        )
        await asyncio.wait([organization, reads], return_when=asyncio.FIRST_EXCEPTION)
        for failed in (
            reads.exception() if reads.done() else None,
            organization.exception() if organization.done() else None,
        ):
            if failed is not None:  # the first failure of either, without waiting for the other
                raise failed
        accounts, bindings, invites = await organization
        contents = await reads
    finally:
        # On a failure nothing goes on sending; each task's outcome is collected, so no warning.
        others = [task for task in (organization, reads) if task is not None]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    resources: list[Resource] = [project_resource(p) for p in projects]
    resources += [service_account_resource(a) for a in accounts]
    protected: set[Address] = set()
    own = _own_service_account(accounts, client.options.credentials.client_id)
    if own is not None:
        protected.add(Address.service_account(own["name"]))
    principals = directory.principals(invites)
    for raw in bindings:
        binding = role_binding_resource(raw, principals)
        if binding is None or (
            binding.address.project is not None and binding.address.project not in requested
        ):
            continue  # api-key principals are modelled on keys; other projects are not read whole
        resources.append(binding)
        if (
            own is not None
            and raw.get("principal_type") == "service_account"
            and raw["principal_id"] == own["id"]
        ):
            protected.add(binding.address)
    for project_resources, project_protected in contents:
        resources += project_resources
        protected |= project_protected
    scopes = {ORGANIZATION} | {f"project/{name}" for name in requested}
    return State.of(resources, scopes, protected=protected)


async def _read_organization(
    session: Session,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Service accounts, role bindings, and the users or invites the bindings name (every invite)."""
    accounts, bindings = await gather_all(
        session.client.admin_pages("/admin/service-accounts"),
        session.client.admin_pages("/admin/role-bindings"),
    )
    session.directory.learn_service_accounts(accounts)
    invites = await _load_principals(session, principal_types_of(bindings))
    return accounts, bindings, invites


async def _load_principals(session: Session, wire_types: set[str]) -> list[dict[str, Any]]:
    """Fetch users and invites only when bindings name them; every invite listed (expired too)."""
    directory = session.directory

    async def users() -> None:
        if "user" in wire_types:
            await directory.load_users(refresh=True)

    async def invites() -> list[dict[str, Any]]:
        return await directory.load_invites() if "invite" in wire_types else []

    _, listed = await asyncio.gather(users(), invites())
    return list(listed)


async def _read_project(
    session: Session, project: Mapping[str, Any], request: ReadRequest, still_needed: StillNeeded | None
) -> tuple[list[Resource], set[Address]]:
    """One live project's API keys, indexes and the requested indexes' backup schedules, and which
    of those keys are declarate's own."""
    name = project["name"]
    # The key and then the index list are the critical path, and requests wait for a free slot in
    # the order they are made: the key list, asked for only once the key is there, queues behind
    # every project's key and its own project's index list, so the index lists (and their decoding)
    # start one wave of requests earlier instead of after all the key lists.
    await session.keys.key_for(name)
    indexes, keys_page = await gather_all(
        _list_indexes(session, name),
        session.client.admin("GET", f"/admin/projects/{project['id']}/api-keys"),
    )
    keys: list[dict[str, Any]] = keys_page.get("data") or []
    deleted = await session.keys.delete_stale(keys)
    resources: list[Resource] = []
    protected: set[Address] = set()
    for key in keys:
        if key["id"] in deleted:
            continue
        resource = api_key_resource(name, key)
        resources.append(resource)
        if is_temporary_key(key["name"]):
            protected.add(resource.address)
    resources += [index_resource(name, raw) for raw in indexes]
    scheduled: list[str] = []
    if request.all_backup_schedules or request.backup_schedules:  # else no address made per index
        scheduled = [
            raw["name"]
            for raw in indexes
            if request.all_backup_schedules or Address.index(name, raw["name"]) in request.backup_schedules
        ]
    for schedules in await gather_all(*(read_backup_schedules(session, name, i) for i in scheduled)):
        resources += schedules
    if still_needed is not None and not still_needed(name, resources):
        session.keys.release(name)  # its delete overlaps the rest of the read
    return resources, protected


async def _list_indexes(session: Session, project: str) -> list[dict[str, Any]]:
    key = await session.keys.key_for(project)
    answer = await session.client.control("GET", "/indexes", key)
    return list((answer or {}).get("indexes") or [])


def _own_service_account(accounts: Sequence[Mapping[str, Any]], client_id: str) -> Mapping[str, Any] | None:
    """The service account declarate runs as: the one whose OAuth client id it authenticates with."""
    return next((a for a in accounts if a.get("client_id") == client_id), None)
