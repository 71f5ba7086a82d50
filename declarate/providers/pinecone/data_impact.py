"""Data impact: how many records and namespaces a live index holds, from its data plane.

One `POST {host}/describe_index_stats` per index asked about, with the project key the provider
already uses for that project (a temporary key also holds `DataPlaneViewer` for this), all
concurrently. The plan asks only about the indexes it deletes or replaces (DESIGN §9.1), never one
request per index of the estate. A count that cannot be read is an `unknown` impact with the
reason, never an error: the data-loss rule then blocks the change. The host comes from the live
index's description, so it is hostile until checked: a host that is not a plain host name or an
http(s) URL without user info, query or fragment is never sent the key. It never plans or prints.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from declarate.errors import DeclarateError
from declarate.model.address import Address
from declarate.model.plan import DataImpact
from declarate.model.resource import Resource
from declarate.providers.pinecone.session import Session

STATS_PATH = "/describe_index_stats"
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_PATH = re.compile(r"^[A-Za-z0-9._~/-]*$")


async def read_data_impacts(session: Session, indexes: Sequence[Resource]) -> dict[Address, DataImpact]:
    """The data impact of deleting each live index, by address (unknown with the reason on failure)."""
    found = await asyncio.gather(*(_impact_of(session, index) for index in indexes))
    return {index.address: impact for index, impact in zip(indexes, found, strict=True)}


def readable_host(host: Any) -> bool:
    """True for a plain host name (`docs-abc.svc.pinecone.io`, sent `https://`) or an http(s) URL with
    no user info, query or fragment (the local target answers those); anything else is never contacted."""
    if not isinstance(host, str) or not host or len(host) > 2000:
        return False
    if "://" not in host:
        return bool(_HOST.match(host))
    try:
        parts = urlsplit(host)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and parts.username is None
        and parts.password is None
        and not parts.query
        and not parts.fragment
        and bool(_HOST.match(parts.netloc))
        and bool(_PATH.match(parts.path))
    )


def impact_of_stats(answer: Any) -> DataImpact:
    """Records and namespaces from a describe_index_stats answer (IndexDescription in the 2026-07 spec)."""
    if not isinstance(answer, Mapping):
        return DataImpact.unreadable("describe_index_stats answered without a body")
    namespaces = answer.get("namespaces")
    total: Any = answer.get("totalVectorCount")
    if namespaces is None and total is None:  # an answer that says nothing is never "empty"
        return DataImpact.unreadable("describe_index_stats answered without a record count")
    if namespaces is None:
        namespaces = {}
    if not isinstance(namespaces, Mapping):
        return DataImpact.unreadable("describe_index_stats answered namespaces that are not an object")
    if total is None:  # the namespace summaries say the same, namespace by namespace
        total = _summed(namespaces.values())
    if not _is_count(total):
        return DataImpact.unreadable("describe_index_stats answered without a record count")
    return DataImpact.counted(int(total), len(namespaces))


def _summed(summaries: Iterable[Any]) -> int | None:
    total = 0
    for summary in summaries:
        count: Any = summary.get("vectorCount", 0) if isinstance(summary, Mapping) else None
        if not _is_count(count):
            return None
        total += int(count)
    return total


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def _impact_of(session: Session, index: Resource) -> DataImpact:
    host = index.server.get("host")
    if not readable_host(host):
        return DataImpact.unreadable("the live index has no valid host to read its stats from")
    project = index.address.project or ""
    try:
        key = await session.keys.key_for(project)
        answer = await session.client.data("POST", str(host), STATS_PATH, key, json={})
    except DeclarateError as exc:
        return DataImpact.unreadable(f"describe_index_stats failed: {exc}")
    return impact_of_stats(answer)
