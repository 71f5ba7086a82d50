"""Request slots: a limit on requests in flight, with the next page of a list served first."""

from __future__ import annotations

import asyncio

from declarate.providers.pinecone.slots import Slots


async def _hold(
    slots: Slots, name: str, order: list[str], release: asyncio.Event, *, urgent: bool = False
) -> None:
    async with slots.held(urgent=urgent):
        order.append(name)
        await release.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_no_more_than_the_limit_hold_a_slot_at_once() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        slots, order, release = Slots(2), [], asyncio.Event()
        tasks = [asyncio.ensure_future(_hold(slots, f"r{i}", order, release)) for i in range(5)]
        await _settle()
        first = list(order)
        release.set()
        await asyncio.gather(*tasks)
        return first, order

    first, everyone = asyncio.run(scenario())
    assert first == ["r0", "r1"]
    assert everyone == ["r0", "r1", "r2", "r3", "r4"]  # the rest in the order they came


def test_an_urgent_waiter_gets_the_next_free_slot_before_those_that_came_earlier() -> None:
    async def scenario() -> list[str]:
        slots, order = Slots(1), []
        gates = {name: asyncio.Event() for name in ("holder", "mint-1", "mint-2", "page-2")}

        async def hold(name: str, *, urgent: bool = False) -> None:
            async with slots.held(urgent=urgent):
                order.append(name)
                await gates[name].wait()

        tasks = [asyncio.ensure_future(hold("holder"))]
        await _settle()
        tasks += [asyncio.ensure_future(hold("mint-1")), asyncio.ensure_future(hold("mint-2"))]
        await _settle()
        tasks.append(asyncio.ensure_future(hold("page-2", urgent=True)))
        await _settle()
        for gate in gates.values():
            gate.set()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(scenario()) == ["holder", "page-2", "mint-1", "mint-2"]


def test_a_cancelled_waiter_leaves_no_slot_taken() -> None:
    async def scenario() -> list[str]:
        slots, order, release = Slots(1), [], asyncio.Event()
        holder = asyncio.ensure_future(_hold(slots, "holder", order, release))
        await _settle()
        gone = asyncio.ensure_future(_hold(slots, "gone", order, release))
        later = asyncio.ensure_future(_hold(slots, "later", order, release))
        await _settle()
        gone.cancel()  # cancelled while waiting
        release.set()
        await asyncio.gather(holder, later, gone, return_exceptions=True)
        # Every slot is free again: as many holders as the limit at once, and no more.
        async with slots.held():
            return order

    assert asyncio.run(scenario()) == ["holder", "later"]


def test_a_waiter_cancelled_just_as_it_was_handed_a_slot_passes_it_on() -> None:
    async def scenario() -> list[str]:
        slots, order, release = Slots(1), [], asyncio.Event()
        held = slots.held()
        await held.__aenter__()
        handed = asyncio.ensure_future(_hold(slots, "handed", order, release))
        later = asyncio.ensure_future(_hold(slots, "later", order, release))
        await _settle()
        await held.__aexit__(None, None, None)  # hands the slot to `handed`, which has not run yet
        handed.cancel()
        release.set()
        await asyncio.gather(handed, later, return_exceptions=True)
        async with slots.held():
            return order

    assert asyncio.run(asyncio.wait_for(scenario(), 5)) == ["later"]
