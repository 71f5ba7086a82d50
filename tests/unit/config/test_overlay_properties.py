"""Properties of the overlay merge: an empty overlay is the identity; merge then validate never crashes."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import normalize
from declarate.config.overlay import merge_overlays
from declarate.config.policy_rules import check_policies
from declarate.config.rules import check_rules
from declarate.config.schema import check_schema
from declarate.config.workspace import settings_from
from declarate.model.resource import Origin

KEYS = st.sampled_from(
    [
        "name",
        "indexes",
        "api_keys",
        "tags",
        "dimension",
        "metric",
        "spec",
        "serverless",
        "cloud",
        "region",
        "roles",
        "deletion_protection",
        "read_capacity",
        "mode",
        "team",
        "kind",
        "description",
        "prune",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5000),
    st.sampled_from(["products", "search", "aws", "cosine", "x"]),
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)
BASE = {
    "kind": "Project",
    "name": "search",
    "indexes": [
        {
            "name": "products",
            "dimension": 8,
            "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
            "tags": {"team": "search"},
        }
    ],
    "api_keys": [{"name": "ci", "roles": ["ProjectEditor"]}],
}


def document(data: Any, file: str) -> SourceDocument:
    """A document whose every node has a position (line = depth-first order), as the loader gives."""
    positions: dict[Path, Origin] = {}

    def walk(value: Any, path: Path) -> None:
        positions[path] = Origin(file, len(positions) + 1, 1)
        children = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        )
        for key, child in children:
            walk(child, (*path, key))

    walk(data, ())
    return SourceDocument(file, 0, data, positions)


def overlays(tree: Any) -> dict[str, Any]:
    patch = tree if isinstance(tree, dict) else {"tags": tree}
    return {**patch, "kind": "Project", "name": "search"}


@given(tree=TREES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_merge_then_validate_never_crashes_and_positions_name_a_source(tree: Any) -> None:
    base = document(BASE, "base.yaml")
    overlay = document(overlays(tree), "overlay.yaml")
    merged, problems = merge_overlays([base], [overlay])
    assert len(merged) == 1
    assert all(p.origin is not None and p.origin.file == "overlay.yaml" for p in problems)
    docs = merged
    check_schema(docs)
    check_rules(docs)
    workspace_settings, _ = settings_from(docs)
    normalize(docs)
    check_policies(docs, workspace_settings)
    assert {origin.file for origin in merged[0].positions.values()} <= {"base.yaml", "overlay.yaml"}


@given(tree=TREES)
@settings(max_examples=150, deadline=None)
def test_merging_an_empty_overlay_is_the_identity(tree: Any) -> None:
    data = overlays(tree)
    base = document(data, "base.yaml")
    empty = document({"kind": "Project", "name": "search"}, "overlay.yaml")
    merged, problems = merge_overlays([base], [empty])
    assert problems == []
    assert merged[0].data == base.data
    assert merged[0].positions == base.positions


def test_no_overlays_changes_nothing() -> None:
    base = document(BASE, "base.yaml")
    assert merge_overlays([base], []) == ([base], [])
