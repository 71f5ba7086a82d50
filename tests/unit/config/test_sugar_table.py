"""Property: every row of the sugar table round-trips, and its values are placed and shown in its words.

For each sugar form (`model/sugar.py`), an index written in it is loaded from real YAML; then
- export writes the normalized index back in the same form, and that normalizes to the same attrs;
- every canonical path the form stands for takes its file:line from the sugared lines of the item;
- a field diff on any of those paths is shown under a key the form writes, never a canonical path.
A row added to the table without an example here fails the first test, so no row is half-added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.config.document import SourceDocument
from declarate.config.pipeline import load_config
from declarate.model.address import Address
from declarate.model.resource import Resource
from declarate.model.settings import Settings
from declarate.model.state import State
from declarate.model.sugar import SUGAR, SugarForm, form_of
from declarate.render.export import export_documents

DEDICATED = {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}}
MAX_PODS = 10  # room for a pod index
METRICS = st.sampled_from(["cosine", "dotproduct", "euclidean"])
PARAMETERS = st.one_of(
    st.just({}), st.fixed_dictionaries({"input_type": st.sampled_from(["query", "passage"])})
)


def _optional(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=strategies)


def _embed(model: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"embed": {"model": model, "field_map": {"text": "chunk_text"}, **extra}}


# One strategy per row of the table, keyed by the row's name: the index keys that write it.
ROW_ITEMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "dimension": st.builds(
        lambda dimension, rest: {"dimension": dimension, **rest},
        st.integers(1, 20000),
        _optional(metric=METRICS, vector_type=st.just("dense")),
    ),
    "vector_type: sparse": st.builds(
        lambda rest: {"vector_type": "sparse", **rest}, _optional(metric=st.just("dotproduct"))
    ),
    "embed": st.one_of(
        st.builds(
            _embed,
            st.sampled_from(["multilingual-e5-large", "llama-text-embed-v2", "pinecone-sparse-english-v0"]),
            _optional(read_parameters=PARAMETERS, write_parameters=PARAMETERS),
        ),
        st.builds(
            lambda metric, dimension: _embed("acme-embed-v1", {"metric": metric, "dimension": dimension}),
            METRICS,
            st.integers(1, 4096),
        ),
    ),
    "spec.serverless": st.builds(
        lambda place: {"dimension": 8, "spec": {"serverless": place}},
        st.sampled_from(
            [
                {"cloud": "aws", "region": "us-east-1"},
                {"cloud": "aws", "region": "us-west-2"},
                {"cloud": "gcp", "region": "us-central1"},
            ]
        ),
    ),
    "spec.pod": st.builds(
        lambda rest: {"dimension": 8, "spec": {"pod": {"environment": "us-east1-gcp", **rest}}},
        _optional(
            pod_type=st.sampled_from(["p1.x1", "s1.x2"]), replicas=st.integers(1, 3), shards=st.integers(1, 2)
        ),
    ),
    "spec.byoc": st.just(
        {
            "dimension": 8,
            "spec": {"byoc": {"environment": "aws-us-east-1-b921"}},
            "read_capacity": {"mode": "Dedicated", "dedicated": DEDICATED},
        }
    ),
}
ROWS = {row.name: row for row in SUGAR}


def test_every_row_of_the_sugar_table_has_an_example_here() -> None:
    assert set(ROW_ITEMS) == set(ROWS)


def _load_index(root: Path) -> tuple[Resource, SourceDocument]:
    config = load_config([root], env={})
    assert [str(d) for d in config.diagnostics] == []
    resource = config.desired.get(Address.index("p", "recs"))
    assert resource is not None
    (document,) = config.documents
    return resource, document


def _write(root: Path, item: dict[str, Any]) -> None:
    root.mkdir(parents=True)
    document = {"kind": "Project", "name": "p", "max_pods": MAX_PODS, "indexes": [{"name": "recs", **item}]}
    (root / "p.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _leaves(value: Any, path: str) -> list[str]:
    if isinstance(value, dict) and value:
        return [leaf for key, child in value.items() for leaf in _leaves(child, f"{path}.{key}")]
    return [path]


def _at(attrs: Any, path: str) -> Any:
    for key in path.split("."):
        attrs = attrs[key]
    return attrs


def _roots(row: SugarForm, item: dict[str, Any]) -> set[str]:
    """The canonical paths the row stands for in this item (none inside another)."""
    paths = {s.canonical for s in row.spellings(item)}
    return {p for p in paths if not any(p.startswith(other + ".") for other in paths)}


def _sugared_lines(row: SugarForm, item: dict[str, Any], document: SourceDocument) -> set[int]:
    """The lines of every key and value the row's config paths cover, in the loaded item."""
    prefixes = [("indexes", 0, *s.written.split(".")) for s in row.spellings(item)]
    positioned = [*document.positions.items(), *document.key_positions.items()]
    return {o.line for path, o in positioned if any(path[: len(p)] == p for p in prefixes)}


@pytest.mark.parametrize("name", sorted(ROW_ITEMS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_sugar_form_round_trips_through_export_and_is_placed_and_shown_in_its_words(
    tmp_path_factory: pytest.TempPathFactory, name: str, data: st.DataObject
) -> None:
    row, item = ROWS[name], data.draw(ROW_ITEMS[name])
    assert form_of(item, row.part) is row
    root = tmp_path_factory.mktemp("sugar")
    _write(root / "written", item)
    resource, document = _load_index(root / "written")

    lines = _sugared_lines(row, item, document)
    roots = _roots(row, item)
    assert roots
    for canonical in roots:
        for path in _leaves(_at(resource.attrs, canonical), canonical):
            origin = resource.origin_of(path)
            assert origin is not None and origin.line in lines, (path, origin, lines)
            shown = resource.spelled(path)
            assert shown != path and any(shown.startswith(s.written) for s in row.spellings(item)), shown

    live = State.of(
        [Resource(Address.project_("p"), {"name": "p", "max_pods": MAX_PODS}), resource], scopes={"project/p"}
    )
    exported = yaml.safe_load(export_documents(live, Settings(), ["p"])["projects/p.yaml"])
    (entry,) = exported["indexes"]
    assert form_of(entry, row.part) is row, entry
    (root / "exported").mkdir()
    (root / "exported" / "p.yaml").write_text(yaml.safe_dump(exported, sort_keys=False))
    again, _ = _load_index(root / "exported")
    assert dict(again.attrs) == dict(resource.attrs)
