"""Data impact: how many records and namespaces a live index holds, from its data plane.

One `POST {host}/describe_index_stats` per index asked about, with the project key the provider
already uses for that project (a temporary key also holds `DataPlaneViewer` for this), all
concurrently. The plan asks only about the indexes it deletes or replaces (DESIGN §9.1), never one
request per index of the estate. A count that cannot be read is an `unknown` impact with the
reason, never an error: the data-loss rule then blocks the change (`index_stats` reads the answer,
for report and renames too). The host comes from the live
index's description, so it is hostile until checked (`transport.readable_host`, which every
data-plane call passes): it is checked before the project key is even fetched. It never plans or prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from declarate.errors import DeclarateError
from declarate.model.address import Address
from declarate.model.plan import DataImpact
from declarate.model.resource import Resource
from declarate.providers.pinecone.index_stats import impact_of_stats
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.transport import readable_host

STATS_PATH = "/describe_index_stats"


async def read_data_impacts(session: Session, indexes: Sequence[Resource]) -> dict[Address, DataImpact]:
    """The data impact of deleting each live index, by address (unknown with the reason on failure)."""
    found = await asyncio.gather(*(_impact_of(session, index) for index in indexes))
    return {index.address: impact for index, impact in zip(indexes, found, strict=True)}


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
    return impact_of_stats(answer)  # total: any JSON is counted or unknown, never raises
