"""Tables read lazily (resource origins, plan fingerprints): worked out once, on the first read, and
read like any mapping."""

from __future__ import annotations

from declarate.model.lazy import LazyMapping
from declarate.model.resource import Origin

DECLARED = {"": Origin("p.yaml", 4), "tags.team": Origin("p.yaml", 9, 7)}


def test_lazy_origins_are_worked_out_once_on_first_read() -> None:
    calls: list[int] = []

    def compute() -> dict[str, Origin]:
        calls.append(1)
        return dict(DECLARED)

    origins = LazyMapping(compute, "origins")
    assert calls == [] and repr(origins) == "<origins not read yet>"
    assert origins.get("tags.team") == Origin("p.yaml", 9, 7)
    assert "" in origins and "dimension" not in origins and origins.get("dimension") is None
    assert origins["tags.team"].line == 9 and len(origins) == 2 and sorted(origins) == ["", "tags.team"]
    assert origins == DECLARED and dict(origins.items()) == DECLARED
    assert calls == [1]
