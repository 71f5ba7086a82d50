"""Temporary keys let go of during the read (`Provider.read(still_needed=...)`), against a served
local control plane.

`plan` lets go of the key of each project its plan cannot read a data impact from as soon as the
project is read, so the deletes overlap the rest of the read and the plan instead of following
them. A released key is deleted without waiting for close; close still waits for that delete; a
released project that is sent to again gets a new key.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from declarate.model.address import Address, Kind
from declarate.providers.pinecone import PineconeProvider
from tests.integration.conftest import Estate, make_provider, read_request, run


def temporary_keys(estate: Estate, project_id: str) -> list[str]:
    return [name for name in estate.key_names(project_id) if name.startswith("declarate-tmp-")]


async def _until(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.02)


def test_released_keys_go_before_close_and_kept_ones_at_close(server: Any, estate: Estate) -> None:
    quiet, busy = estate.project("quiet"), estate.project("busy")
    estate.index(quiet, name="recs", dimension=4)

    async def go() -> None:
        async with make_provider(server) as provider:
            asked: list[tuple[str, list[str]]] = []

            def still_needed(project: str, live: Any) -> bool:
                asked.append((project, sorted(r.kind.value for r in live)))
                return project == "busy"

            await provider.read(read_request("quiet", "busy"), still_needed=still_needed)

            # Asked once per project, with what was read in it (keys, declarate's own too, and indexes).
            assert sorted(asked) == [("busy", ["api-key"]), ("quiet", ["api-key", "api-key", "index"])]
            # Deleted while the run goes on, before close; the kept key stays until close.
            await _until(lambda: not temporary_keys(estate, quiet))
            assert temporary_keys(estate, busy)

    run(go())
    assert temporary_keys(estate, busy) == []


def test_close_waits_for_the_deletes_of_released_keys(server: Any, estate: Estate) -> None:
    project_ids = [estate.project(f"team-{n}") for n in range(4)]

    async def go() -> None:
        provider = make_provider(server)
        await provider.read(
            read_request(*(f"team-{n}" for n in range(4))), still_needed=lambda p, live: False
        )
        await provider.aclose()  # at once: the deletes may still be in flight

    run(go())
    assert [temporary_keys(estate, p) for p in project_ids] == [[]] * 4


def test_a_released_project_read_again_gets_a_new_key_that_goes_at_close(server: Any, estate: Estate) -> None:
    project_id = estate.project("team")
    estate.index(project_id, name="recs", dimension=4)
    control = estate.control(project_id)
    records = [("a", [0.1, 0.2, 0.3, 0.4]), ("b", [0.4, 0.3, 0.2, 0.1])]
    control.Index(host=control.describe_index("recs").host).upsert(vectors=records)
    provider: PineconeProvider = make_provider(server)

    async def go() -> Any:
        async with provider:
            live = await provider.read(read_request("team"), still_needed=lambda p, live: False)
            await _until(lambda: not temporary_keys(estate, project_id))
            index = live.get(Address.index("team", "recs"))
            assert index is not None and index.kind is Kind.INDEX
            return await provider.data_impacts([index])

    impacts = run(go())

    assert impacts[Address.index("team", "recs")].records == 2
    minted = [n for route, n in provider.stats.by_route.items() if route.startswith("POST /admin/projects/")]
    assert sum(minted) == 2  # the first key, released, and a new one for the stats read
    assert temporary_keys(estate, project_id) == []
