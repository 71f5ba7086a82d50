"""Data impact: how many records and namespaces a live index holds, from its data plane.

One `POST {host}/describe_index_stats` per index asked about, with the project key the provider
already uses for that project (a temporary key also holds `DataPlaneViewer` for this), all
concurrently. The plan asks only about the indexes it deletes or replaces (DESIGN §9.1), never one
request per index of the estate. A count that cannot be read is an `unknown` impact with the
reason, never an error: the data-loss rule then blocks the change. The host comes from the live
index's description, so it is hostile until checked (`transport.readable_host`, which every
data-plane call passes): it is checked before the project key is even fetched. It never plans or prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from declarate.errors import DeclarateError
from declarate.model.address import Address
from declarate.model.plan import DataImpact
from declarate.model.resource import Resource
from declarate.providers.pinecone.answers import SHAPE_ERRORS, malformed
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.transport import readable_host

STATS_PATH = "/describe_index_stats"


async def read_data_impacts(session: Session, indexes: Sequence[Resource]) -> dict[Address, DataImpact]:
    """The data impact of deleting each live index, by address (unknown with the reason on failure)."""
    found = await asyncio.gather(*(_impact_of(session, index) for index in indexes))
    return {index.address: impact for index, impact in zip(indexes, found, strict=True)}


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
    if not is_count(total):
        return DataImpact.unreadable("describe_index_stats answered without a record count")
    return DataImpact.counted(int(total), len(namespaces))


def _summed(summaries: Iterable[Any]) -> int | None:
    total = 0
    for summary in summaries:
        count: Any = summary.get("vectorCount", 0) if isinstance(summary, Mapping) else None
        if not is_count(count):
            return None
        total += int(count)
    return total


def is_count(value: Any) -> bool:
    """A record count as the API writes one: a non-negative integer (not a bool, a string or a float)."""
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
    try:
        return impact_of_stats(answer)
    except SHAPE_ERRORS as exc:  # never a traceback, and never read as empty
        return DataImpact.unreadable(str(malformed("describe_index_stats", exc)))
