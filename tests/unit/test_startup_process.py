"""The declarate process collects garbage less often than Python's default, and still collects it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from declarate import startup


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    skipped = {name: sys.modules.get(name, "absent") for name in ("httpx._main", "h2")}
    yield
    gc.set_threshold(*threshold)
    for name, before in skipped.items():
        if before == "absent":
            sys.modules.pop(name, None)


def test_a_command_collects_young_objects_every_hundred_thousand_not_every_seven_hundred(
    restored: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    startup.prepare_process()
    assert gc.get_threshold() == (100_000, 10, 10)
    assert gc.isenabled()  # cycles are still collected
