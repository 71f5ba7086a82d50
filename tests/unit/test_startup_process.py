"""The declarate process collects garbage less often than Python's default, and still collects it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from declarate import startup


@pytest.fixture
def restored() -> Iterator[None]:
    threshold, httpx_cli = gc.get_threshold(), sys.modules.get("httpx._main", "absent")
    yield
    gc.set_threshold(*threshold)
    if httpx_cli == "absent":
        sys.modules.pop("httpx._main", None)


def test_a_command_collects_young_objects_every_hundred_thousand_not_every_seven_hundred(
    restored: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    startup.prepare_process()
    assert gc.get_threshold() == (100_000, 10, 10)
    assert gc.isenabled()  # cycles are still collected
