"""Creating objects whose names the server does not keep unique: API keys and service accounts.

Two runs that planned the same create (two applies started together) would make two objects of one
name, because the API answers 201 to both. `create_once` checks optimistically instead of locking
(docs/concurrency.md): it looks for the name before creating, and looks again after creating. A run
that sees its object alone keeps it. A run that sees rivals yields (deletes its own object and
reports the rival's), except the one holding the lowest id, which first gives the others the time
of one round to yield and keeps its object if they did. A run only ever deletes its own object, and
only one that has seen itself alone keeps one, so at most one survives and a kept object (whose
secret its run handed out) is never deleted by a rival. When all racers yielded, they try again
after a random pause. It never stores a secret: the caller does, and only for a created object.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from declarate.errors import DeclarateError

MIN_PAUSE = 0.05  # seconds; the pauses below scale with the time a round of requests took


class CreateRace(DeclarateError):
    """Other runs kept creating the same name at the same moment; nothing of ours was kept."""


@dataclass(frozen=True)
class Claim:
    """What a create came to: this run's object (with its secret), or the one another run keeps."""

    created: dict[str, Any] | None  # the create answer (secret included) when this run's object won
    existing: dict[str, Any] | None  # the listed object kept when it is not this run's
    raced: bool = False  # True when another run created it while this one was creating it too


async def create_once(
    *,
    what: str,
    list_named: Callable[[], Awaitable[list[dict[str, Any]]]],
    create: Callable[[], Awaitable[dict[str, Any]]],
    created_id: Callable[[dict[str, Any]], str],
    delete: Callable[[str], Awaitable[None]],
    attempts: int = 5,
) -> Claim:
    """Create `what` unless an object of its name exists; never leave two of that name.

    `list_named` lists the live objects of the name, `create` sends the create and returns the
    answer, `created_id` reads the new object's id out of that answer, `delete` deletes by id.
    Raises CreateRace when every attempt met a rival that yielded too.
    """
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        listed = await list_named()
        if len(listed) > 1:
            # Others may be racing right now: let the losers yield before choosing what to report.
            await asyncio.sleep(max(MIN_PAUSE, 2 * (time.monotonic() - started)))
            listed = await list_named()
        if listed:
            return Claim(created=None, existing=min(listed, key=_id), raced=attempt > 1)
        answer = await create()
        mine = created_id(answer)
        rivals = [_id(o) for o in await list_named() if _id(o) != mine]
        round_time = max(MIN_PAUSE, time.monotonic() - started)
        if rivals and mine < min(rivals):
            # Lowest id: the rivals that saw us yield within about one round; one that saw
            # itself alone has kept its object and never will.
            await asyncio.sleep(round_time)
            rivals = [_id(o) for o in await list_named() if _id(o) != mine]
        if not rivals:
            return Claim(created=answer, existing=None)
        await delete(mine)
        await asyncio.sleep(random.uniform(0.0, 4 * round_time * attempt))
    raise CreateRace(f"{what} could not be created: other runs kept creating it at the same moment")


def _id(listed: dict[str, Any]) -> str:
    return str(listed["id"])
