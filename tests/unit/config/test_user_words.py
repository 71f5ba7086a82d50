"""Property: a plan's declared fields are exactly what the config wrote, under the config's own paths.

For any index the config can spell (sugar or canonical forms), every field of its create is either
declared (the path it is shown under exists in the YAML item, and it names its line) or a default
(the path it is shown under was not written); no canonical sugar path leaks into what a user reads.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.config.document import SourceDocument
from declarate.config.normalize import normalize
from declarate.engine.planner import plan
from declarate.model.address import Address
from declarate.model.plan import Action
from declarate.model.resource import Origin
from declarate.model.settings import Settings
from declarate.model.state import State

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


@st.composite
def index_items(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {"name": "recs"}
    if draw(st.booleans()):
        item["vector_type"] = "sparse"
        if draw(st.booleans()):
            item["metric"] = "dotproduct"
    else:
        item["dimension"] = draw(st.integers(1, 20000))
        if draw(st.booleans()):
            item["metric"] = draw(st.sampled_from(("cosine", "dotproduct", "euclidean")))
        if draw(st.booleans()):
            item["vector_type"] = "dense"
    where = draw(st.sampled_from(("none", "spec", "deployment")))
    place = {"cloud": "aws", **({"region": draw(st.sampled_from(REGIONS))} if draw(st.booleans()) else {})}
    if where == "spec":
        item["spec"] = {"serverless": place}
    elif where == "deployment":
        item["deployment"] = place
    if draw(st.booleans()):
        item["deletion_protection"] = draw(st.sampled_from(("enabled", "disabled")))
    tags = draw(
        st.dictionaries(st.sampled_from(("team", "env", "cost")), st.sampled_from(("a", "b")), max_size=3)
    )
    if tags:
        item["tags"] = tags
    if draw(st.booleans()):
        item["read_capacity"] = {"mode": "OnDemand"}
    return item


def written_at(item: dict[str, Any], path: str) -> bool:
    value: Any = item
    for segment in path.split("."):
        if not isinstance(value, dict) or segment not in value:
            return False
        value = value[segment]
    return True


def positioned(item: dict[str, Any]) -> SourceDocument:
    """The document with a distinct position for every node of the index item (as the loader gives)."""
    positions: dict[tuple[str | int, ...], Any] = {}
    key_positions: dict[tuple[str | int, ...], Any] = {}

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        positions[path] = Origin("p.yaml", len(positions) + 1, 5)
        if isinstance(value, dict):
            for key, child in value.items():
                key_positions[(*path, key)] = Origin("p.yaml", len(positions) + 1, 3)
                walk(child, (*path, key))
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, (*path, i))

    data = {"kind": "Project", "name": "p", "indexes": [item]}
    walk(data, ())
    return SourceDocument("p.yaml", 0, data, positions, key_positions)


@settings(max_examples=150, deadline=None)
@given(index_items())
def test_declared_fields_are_what_the_config_wrote_and_defaults_are_not(item: dict[str, Any]) -> None:
    desired, problems = normalize([positioned(item)])
    assert problems == []
    result = plan(desired, State.of([]), Settings())
    (create,) = [c for c in result.changes if c.address == Address.index("p", "recs")]
    assert create.action is Action.CREATE
    for field in create.fields:
        shown = field.display_path
        assert not shown.startswith("schema.fields._") or "schema" in item, shown
        if field.default:
            assert not written_at(item, shown), (shown, item)
        else:
            assert written_at(item, shown), (shown, item)
            assert field.source is not None
