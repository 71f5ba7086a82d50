"""A command's session with its target: flags and settings -> an open provider, closed after use.

The settings say what the workspace pins and which environment is selected (its target and the
variables holding its credentials); for `apply PLAN.json --env NAME`, which loads no config, the
environment comes from ./declarate.yaml. Warnings (CI on the local default, cleanup problems) go to
stderr as notes. It decides nothing about plans; targets.py builds the provider.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from declarate.flags import TargetFlags
from declarate.model.settings import Settings
from declarate.providers.base import Provider
from declarate.terminal import err, note

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` of a command's coroutine, its result handed back from outside the task that made it.

    On leaving, `asyncio.run` looks up its own SIGINT handler, and CPython formats that handler
    (which holds the main task) while doing so: the repr of a task includes its result, and a
    dataclass repr has no size limit. With a 5,000-index plan as the result, that repr alone took
    longer than reading live state. The task that `asyncio.run` holds returns None.
    """
    import asyncio

    results: list[T] = []

    async def main() -> None:
        results.append(await work)

    asyncio.run(main())
    return results[0]


@asynccontextmanager
async def open_provider(
    flags: TargetFlags, settings: Settings | None = None, **kwargs: Any
) -> AsyncIterator[Provider]:
    """`async with open_provider(flags, settings) as provider:` the target the flags and settings
    select, closed (temporary keys deleted) on the way out; raises DeclarateError when unusable."""
    from declarate.config.selection import saved_plan_settings
    from declarate.targets import for_environment, target_warning
    from declarate.targets import open_provider as provider_for

    if settings is None and flags.env_name:  # apply PLAN.json --env NAME
        settings = saved_plan_settings(flags.env_name, os.environ)
    pinned = settings.pinned if settings is not None else None
    options = for_environment(flags.options(), settings.environment if settings is not None else None)
    warning = target_warning(options, pinned)
    if warning:
        err.print(f"Warning: {warning}", markup=False)
    provider = provider_for(options, rate_limit=flags.rate_limit, pinned=pinned, **kwargs)
    try:
        yield provider
    finally:
        await provider.aclose()
        for problem in provider.cleanup_errors:
            note(f"Warning: {problem}")
