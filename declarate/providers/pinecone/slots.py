"""Request slots: at most N requests in flight, the next free slot going to an urgent waiter first.

The client holds a slot for each request it sends. Waiters are served in the order they came,
except that an urgent one (the next page of a list already being read) goes before every other: a
plan's first wave of temporary-key mints would otherwise queue ahead of the role bindings' second
page, and the bindings those mints add overflow it into a third page. Pure asyncio: no I/O, no
decisions about what is urgent (the caller says).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

URGENT, IN_TURN = 0, 1


class Slots:
    """At most `limit` holders at once; waiters get a slot urgent first, then in arrival order."""

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def held(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(URGENT if urgent else IN_TURN)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, rank: int) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._arrivals), handed))
        try:
            await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                self._release()  # the slot was handed over as the waiter was cancelled: pass it on
            raise  # a cancelled waiter stays in the heap as a done future, skipped by _release

    def _release(self) -> None:
        while self._waiting:
            _, _, handed = heapq.heappop(self._waiting)
            if not handed.done():
                handed.set_result(None)
                return
        self._free += 1
