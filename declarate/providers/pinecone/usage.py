"""Reading usage per project (`declarate report`): O(projects + indexes) requests, all concurrent.

Organization-wide: the project list and the role bindings (members). Per project: its API keys, its
index list and its backups (with their sizes). Per index: `describe_index_stats` (records and
namespaces) and the namespace list (`size_bytes`) on the index's own host. Every request goes
through the client's pacing, retries and concurrency limit, as plan's reads do.

A failure that concerns one project or one index makes its figures unknown, with the reason; only a
failure to list projects or bindings (the target itself unusable) raises. It never changes anything
except the temporary keys it mints and deletes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from declarate.errors import DeclarateError
from declarate.model.usage import Deployment, IndexUsage, ProjectUsage
from declarate.providers.base import ReadRequest
from declarate.providers.pinecone.answers import SHAPE_ERRORS, malformed, reading
from declarate.providers.pinecone.client import PAGINATION_TOKEN_PARAM
from declarate.providers.pinecone.index_stats import count_of, impact_of_stats
from declarate.providers.pinecone.keys import is_temporary_key
from declarate.providers.pinecone.session import Session, gather_all
from declarate.providers.pinecone.wire import index_resource

T = TypeVar("T")

# Pages of a paginated list followed at most, so a server that never ends a list cannot hold a run.
MAX_PAGES = 1000
NAMESPACE_PAGE = 100  # the most the data plane's namespace list gives per page


async def read_usage(session: Session, request: ReadRequest) -> list[ProjectUsage]:
    """Usage of the requested live projects (every one with `all_projects`), in name order."""
    client = session.client
    session.keys.use_directives(request.directives)  # projects that bring their own key
    listed, bindings = await gather_all(
        client.admin("GET", "/admin/projects"), client.admin_pages("/admin/role-bindings")
    )
    with reading("the project and role-binding lists"):
        live: list[dict[str, Any]] = list((listed or {}).get("data") or [])
        session.directory.learn_projects(live)
        wanted = set(request.projects)
        chosen = sorted(
            (p for p in live if request.all_projects or p["name"] in wanted), key=lambda p: str(p["name"])
        )
        by_project = _bindings_by_project(bindings)
    return list(
        await asyncio.gather(
            *(_project_usage_or_unknown(session, p, by_project.get(str(p["id"]), [])) for p in chosen)
        )
    )


def _bindings_by_project(bindings: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for binding in bindings:
        # API-key principals are keys, counted as keys; members are people and service accounts.
        if binding.get("resource_type") == "project" and binding.get("principal_type") != "api_key":
            found.setdefault(str(binding.get("resource_id")), []).append(binding)
    return found


async def _project_usage_or_unknown(
    session: Session, project: Mapping[str, Any], bindings: Sequence[Mapping[str, Any]]
) -> ProjectUsage:
    """The project's usage; a project whose answers cannot be read in their shape is unknown."""
    try:
        return await _project_usage(session, project, bindings)
    except SHAPE_ERRORS as exc:
        reason = str(malformed("its keys, indexes or backups", exc))
        return ProjectUsage(name=str(project["name"]), unknown=reason, backups_unknown=reason)


async def _project_usage(
    session: Session, project: Mapping[str, Any], bindings: Sequence[Mapping[str, Any]]
) -> ProjectUsage:
    name = str(project["name"])
    keys_page, contents = await gather_all(
        session.client.admin("GET", f"/admin/projects/{project['id']}/api-keys"), _contents(session, name)
    )
    keys = [k for k in (keys_page or {}).get("data") or [] if not is_temporary_key(str(k.get("name")))]
    members = frozenset(f"{b.get('principal_type')}:{b.get('principal_id')}" for b in bindings)
    usage = ProjectUsage(name=name, api_keys=len(keys), members=members, role_bindings=len(bindings))
    return replace(usage, **contents)


async def _contents(session: Session, project: str) -> dict[str, Any]:
    """ProjectUsage fields for the project's indexes and backups, or why they are unknown."""
    try:
        key = await session.keys.key_for(project)
    except DeclarateError as exc:
        reason = f"no API key to read it with: {exc}"
        return {"unknown": reason, "backups_unknown": reason}
    indexes, backups = await asyncio.gather(
        _or_error(_indexes(session, key)), _or_error(_backups(session, key))
    )
    found: dict[str, Any] = {}
    if isinstance(backups, DeclarateError):
        found["backups_unknown"] = f"backups could not be listed: {backups}"
    else:
        found["backups"], found["backup_bytes"] = backups
    if isinstance(indexes, DeclarateError):
        found["unknown"] = f"indexes could not be listed: {indexes}"
    else:
        read = await asyncio.gather(*(_index_usage_or_unknown(session, key, project, raw) for raw in indexes))
        found["indexes"] = tuple(sorted(read, key=lambda i: i.name))
    return found


async def _or_error(work: Awaitable[T]) -> T | DeclarateError:
    """What `work` returns, or the DeclarateError it raised (an answer of the wrong shape included):
    one object's failure, not the run's."""
    try:
        return await work
    except DeclarateError as exc:
        return exc
    except SHAPE_ERRORS as exc:
        return malformed("reading usage", exc)


async def _indexes(session: Session, key: str) -> list[dict[str, Any]]:
    answer = await session.client.control("GET", "/indexes", key)
    return list((answer or {}).get("indexes") or [])


async def _backups(session: Session, key: str) -> tuple[int, int]:
    """How many backups the project has and their total size in bytes (all pages)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    for _ in range(MAX_PAGES):
        page = await session.client.control("GET", "/backups", key, params=params or None)
        found.extend((page or {}).get("data") or [])
        following = ((page or {}).get("pagination") or {}).get("next")
        if not following:
            break
        params = {PAGINATION_TOKEN_PARAM: following}
    return len(found), sum(count_of(b.get("size_bytes") or 0, "a backup's size_bytes") for b in found)


def deployment_of(attrs: Mapping[str, Any]) -> tuple[Deployment, int]:
    """An index's deployment and its dedicated read nodes (replicas x shards), from canonical attrs."""
    kind = (attrs.get("deployment") or {}).get("deployment_type")
    if kind == "pod":
        return Deployment.POD, 0
    if kind == "byoc":
        return Deployment.BYOC, 0
    capacity = attrs.get("read_capacity") or {}
    if capacity.get("mode") == "Dedicated":
        manual = (capacity.get("dedicated") or {}).get("manual") or {}
        replicas, shards = manual.get("replicas") or 0, manual.get("shards") or 0
        nodes = replicas * shards if isinstance(replicas, int) and isinstance(shards, int) else 0
        return Deployment.DEDICATED, nodes
    return Deployment.SERVERLESS, 0


async def _index_usage_or_unknown(session: Session, key: str, project: str, raw: Any) -> IndexUsage:
    """The index's usage; an index the server described in a shape it cannot be read in is unknown."""
    try:
        return await _index_usage(session, key, project, raw)
    except SHAPE_ERRORS as exc:
        name = raw.get("name") if isinstance(raw, Mapping) else None
        return IndexUsage(
            name=name if isinstance(name, str) else "(unnamed)",
            deployment=Deployment.SERVERLESS,
            read_nodes=0,
            unknown=str(malformed("its description", exc)),
        )


async def _index_usage(session: Session, key: str, project: str, raw: Mapping[str, Any]) -> IndexUsage:
    resource = index_resource(project, raw)
    deployment, nodes = deployment_of(resource.attrs)
    usage = IndexUsage(name=str(raw["name"]), deployment=deployment, read_nodes=nodes)
    host = raw.get("host")
    if not isinstance(host, str) or not host:
        return replace(usage, unknown="the index has no host yet")
    stats, namespaces = await gather_all(
        _or_error(session.client.data("POST", host, "/describe_index_stats", key, json={})),
        _or_error(_namespace_sizes(session, key, host)),
    )
    if isinstance(stats, DeclarateError):
        return replace(usage, unknown=f"data plane not readable: {stats}")
    held = impact_of_stats(stats)  # the plan's own reading of the answer
    if held.records is None or held.namespaces is None:
        return replace(usage, unknown=f"index statistics not readable: {held.unknown}")
    usage = replace(usage, records=held.records, namespaces=held.namespaces)
    if isinstance(namespaces, DeclarateError):
        return replace(usage, unknown=f"namespace sizes not readable: {namespaces}")
    return replace(usage, storage_bytes=namespaces)


class SizesNotReported(DeclarateError):
    """The data plane lists namespaces without `size_bytes`: storage is unknown, not zero."""


async def _namespace_sizes(session: Session, key: str, host: str) -> int:
    """The sum of `size_bytes` over every namespace of the index (all pages)."""
    total = 0
    params: dict[str, Any] = {"limit": NAMESPACE_PAGE}
    for _ in range(MAX_PAGES):
        page = await session.client.data("GET", host, "/namespaces", key, params=params)
        for namespace in (page or {}).get("namespaces") or []:
            size = namespace.get("size_bytes") if isinstance(namespace, dict) else None
            if size is None:
                raise SizesNotReported("the data plane reports no size_bytes for its namespaces")
            total += count_of(size, "a namespace's size_bytes")
        following = ((page or {}).get("pagination") or {}).get("next")
        if not following:
            break
        params = {"limit": NAMESPACE_PAGE, PAGINATION_TOKEN_PARAM: following}
    return total
