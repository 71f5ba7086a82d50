"""A command's coroutine runs to its result without asyncio ever formatting that result."""

from __future__ import annotations

import signal
import threading

import pytest

from declarate.sessions import run_async


class Plan:
    """Stands in for a command's result (a plan over thousands of resources): counts its reprs."""

    reprs = 0

    def __repr__(self) -> str:
        Plan.reprs += 1
        return "Plan(...)"


def test_the_result_comes_back_without_being_formatted(monkeypatch: pytest.MonkeyPatch) -> None:
    # asyncio.run installs its own SIGINT handler only over Python's default one, in the main thread;
    # looking that handler up again on the way out formatted the main task, result included.
    assert threading.current_thread() is threading.main_thread()
    monkeypatch.setattr(Plan, "reprs", 0)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        planned = Plan()

        async def work() -> Plan:
            return planned

        assert run_async(work()) is planned
    finally:
        signal.signal(signal.SIGINT, previous)
    assert Plan.reprs == 0


def test_an_error_of_the_coroutine_reaches_the_caller() -> None:
    async def work() -> None:
        raise LookupError("no such project")

    with pytest.raises(LookupError, match="no such project"):
        run_async(work())
