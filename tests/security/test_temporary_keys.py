"""Temporary keys are deleted on every exit path, an interrupted mint included.

SIGINT once left a temporary key in 1 of 16 trials: the mint had reached the server, the answer had
not reached the run, so the run did not know the key to delete. A run now remembers each mint it sent
and, on close, looks for its own unique key name in those projects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Sdk
from tests.integration.conftest import make_provider, read_request
from tests.reliability.estate import TEMPORARY_KEY_PREFIX


def _temporary_keys(sdk: Sdk) -> list[str]:
    return [
        str(k.name)
        for k in sdk.admin.api_keys.list(project_id=sdk.project_id("team"))
        if str(k.name).startswith(TEMPORARY_KEY_PREFIX)
    ]


@pytest.mark.parametrize("cancel_after", [0.15, 0.25, 0.35, 0.45, 0.55, 0.7])
def test_a_read_cancelled_at_any_moment_leaves_no_temporary_key(cancel_after: float) -> None:
    with running_server(ready_after=0, latency_ms=100) as server:
        sdk = Sdk(server)
        sdk.admin.projects.create(name="team")

        async def interrupted() -> None:
            provider = make_provider(server)
            task = asyncio.ensure_future(provider.read(read_request("team")))
            await asyncio.sleep(cancel_after)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0.3)  # let a mint the server is still handling finish
            await provider.aclose()

        asyncio.run(interrupted())
        deadline = time.monotonic() + 2.0
        left: Any = _temporary_keys(sdk)
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = _temporary_keys(sdk)
        assert left == []
