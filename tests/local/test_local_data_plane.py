"""The data plane in process (ASGI transport) and across restarts of the same data file.

In process the index host describe returns is under the client's base URL, and a request
addressed to the bare host label (``Host: <label>``) reaches the same index; records written in
process are there when the file is served later, at a host under the served URL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from local_support import VERSION, owner_headers
from pinecone import Pinecone

from declarate.local import (
    EMBEDDED_CLIENT_ID,
    EMBEDDED_CLIENT_SECRET,
    clients,
    embedded_transport,
    running_server,
)

SCHEMA = {"fields": {"_values": {"type": "dense_vector", "dimension": 3, "metric": "dotproduct"}}}


async def _write_in_process(db_path: Path) -> dict[str, Any]:
    transport = embedded_transport(db_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://declarate.local") as client:
        project, headers = await clients.project_with_key(
            client, await clients.owner_headers(client), "apparel"
        )
        index = (
            await client.post("/indexes", json={"name": "shoes", "schema": SCHEMA}, headers=headers)
        ).json()
        upserted = await client.post(
            index["host"] + "/vectors/upsert",
            json={"vectors": [{"id": "boot", "values": [1, 2, 3], "metadata": {"size": 42}}]},
            headers=headers,
        )
        label = index["host"].rsplit("/", 1)[-1]
        by_label = await client.post(
            f"http://{label}/query", json={"vector": [1, 0, 0], "topK": 1}, headers=headers
        )
    await transport.aclose()
    return {
        "host": index["host"],
        "upserted": upserted.json(),
        "by_label": by_label.json(),
        "key": headers["Api-Key"],
        "project": project["id"],
    }


def test_records_written_in_process_are_served_later_at_the_served_host(tmp_path: Path) -> None:
    db_path = tmp_path / "local.db"
    written = asyncio.run(_write_in_process(db_path))
    assert written["host"].startswith("http://declarate.local/index/shoes-")
    assert written["upserted"] == {"upsertedCount": 1}
    assert [(m["id"], m["score"]) for m in written["by_label"]["matches"]] == [("boot", 1.0)]
    with running_server(
        db_path=str(db_path), client_id=EMBEDDED_CLIENT_ID, client_secret=EMBEDDED_CLIENT_SECRET
    ) as server:
        pc = Pinecone(api_key=written["key"], host=server.url)
        index = pc.Index(name="shoes")
        assert index.host.startswith(server.url + "/index/shoes-")
        fetched = index.fetch(ids=["boot"]).vectors["boot"]
        assert (fetched.values, fetched.metadata) == ([1.0, 2.0, 3.0], {"size": 42})
        with httpx.Client(base_url=server.url) as client:
            owner = owner_headers(client, EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET)
            deleted = client.delete("/indexes/shoes", headers={**VERSION, "Api-Key": written["key"]})
            assert deleted.status_code == 202
            assert client.get(f"/admin/projects/{written['project']}", headers=owner).status_code == 200
        gone = httpx.post(
            index.host + "/describe_index_stats", json={}, headers={**VERSION, "Api-Key": written["key"]}
        )
        assert gone.status_code == 404


def test_a_hostile_host_header_never_reaches_the_described_host(tmp_path: Path) -> None:
    async def describe() -> str:
        transport = embedded_transport(tmp_path / "local.db")
        async with httpx.AsyncClient(transport=transport, base_url="http://declarate.local") as client:
            _, keyed = await clients.project_with_key(client, await clients.owner_headers(client), "p")
            headers = {**keyed, "Host": "evil.example/<script>"}
            created = await client.post("/indexes", json={"name": "x", "schema": SCHEMA}, headers=headers)
        await transport.aclose()
        host: str = created.json()["host"]
        return host

    host = asyncio.run(describe())
    assert "evil" not in host and "<" not in host
