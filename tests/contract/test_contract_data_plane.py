"""Contract: the data plane of every index, driven through the official SDK at the host describe returns.

Each test checks what a user of ``pc.Index(...)`` would notice: what a query ranks first and with
which score, what fetch and list return, what stats count, and which requests are refused with
which status. Every response a test receives is also checked against the specs when the test ends
(``conforming_responses`` in the contract conftest), so the check does not depend on test order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from contract_support import unique
from data_support import dense_index, raw, sparse_index
from pinecone import Pinecone
from pinecone.errors import ApiError, ForbiddenError, NotFoundError, UnauthorizedError

from declarate.local.serve import ServerHandle

DATA_SPEC_OPERATIONS = {
    "upsertVectors", "queryVectors", "fetchVectors", "fetch_vectors_by_metadata", "updateVector",
    "deleteVectors", "listVectors", "describeIndexStats", "listNamespacesOperation", "createNamespace",
    "describeNamespace", "deleteNamespace", "searchRecordsNamespace", "listBulkImports",
}  # fmt: skip


def test_an_index_is_reached_by_name_and_by_the_host_describe_returns(pc: Pinecone) -> None:
    by_name = dense_index(pc)
    by_name.upsert(vectors=[("a", [1, 0, 0, 0], {"genre": "drama"})])
    described = [i for i in pc.indexes.list() if i.host == by_name.host]
    assert len(described) == 1 and described[0].host.startswith("http://127.0.0.1:")
    by_host = pc.Index(host=described[0].host)
    fetched = by_host.fetch(ids=["a"])
    assert fetched.vectors["a"].values == [1.0, 0.0, 0.0, 0.0]
    assert fetched.vectors["a"].metadata == {"genre": "drama"}


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
def test_dense_queries_rank_and_score_like_pinecone(pc: Pinecone, metric: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((40, 8)).astype(np.float32)
    index = dense_index(pc, dimension=8, metric=metric)
    index.upsert(vectors=[(f"v{i}", row.tolist()) for i, row in enumerate(vectors)])
    query = rng.standard_normal(8).astype(np.float32)
    result = index.query(vector=query.tolist(), top_k=5)
    if metric == "cosine":
        expected = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
        order = np.argsort(-expected)
    elif metric == "dotproduct":
        expected = vectors @ query
        order = np.argsort(-expected)
    else:
        expected = ((vectors - query) ** 2).sum(axis=1)  # squared distance, nearest first
        order = np.argsort(expected)
    assert [m.id for m in result.matches] == [f"v{i}" for i in order[:5]]
    assert [m.score for m in result.matches] == pytest.approx(
        expected[order[:5]].tolist(), rel=1e-4, abs=1e-4
    )


def test_a_sparse_index_ranks_by_dot_product(pc: Pinecone) -> None:
    index = sparse_index(pc)
    index.upsert(
        vectors=[
            {"id": "shoes", "sparse_values": {"indices": [1, 5, 9], "values": [0.5, 0.2, 0.1]}},
            {"id": "hats", "sparse_values": {"indices": [2, 5], "values": [0.9, 0.9]}},
            {"id": "socks", "sparse_values": {"indices": [7], "values": [1.0]}},
        ]
    )
    result = index.query(
        sparse_vector={"indices": [5, 1], "values": [1.0, 2.0]}, top_k=3, include_values=True
    )
    assert [(m.id, round(m.score, 5)) for m in result.matches] == [
        ("shoes", 1.2),
        ("hats", 0.9),
        ("socks", 0.0),
    ]
    assert result.matches[0].sparse_values.indices == [1, 5, 9]
    stats = index.describe_index_stats()
    assert stats.total_vector_count == 3 and stats.metric == "dotproduct"


def test_a_hybrid_query_adds_dense_and_sparse_scores(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2, metric="dotproduct")
    index.upsert(
        vectors=[
            {"id": "a", "values": [1.0, 0.0], "sparse_values": {"indices": [3], "values": [2.0]}},
            {"id": "b", "values": [2.0, 0.0]},
        ]
    )
    result = index.query(vector=[1.0, 0.0], sparse_vector={"indices": [3], "values": [1.0]}, top_k=2)
    assert [(m.id, m.score) for m in result.matches] == [("a", pytest.approx(3.0)), ("b", pytest.approx(2.0))]


@pytest.fixture
def catalog(pc: Pinecone) -> Any:
    index = dense_index(pc, dimension=2, metric="dotproduct")
    index.upsert(
        vectors=[
            ("boots", [1.0, 0.0], {"genre": "outdoor", "price": 120, "sizes": ["40", "42"], "sale": True}),
            ("sandals", [0.9, 0.0], {"genre": "summer", "price": 40, "sizes": ["38"]}),
            ("slippers", [0.8, 0.0], {"genre": "home", "price": 15, "sale": False}),
            ("plain", [0.7, 0.0]),
        ]
    )
    return index


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"genre": "summer"}, ["sandals"]),
        ({"genre": {"$eq": "outdoor"}}, ["boots"]),
        ({"genre": {"$ne": "outdoor"}}, ["sandals", "slippers", "plain"]),
        ({"price": {"$gt": 40}}, ["boots"]),
        ({"price": {"$gte": 40}}, ["boots", "sandals"]),
        ({"price": {"$lt": 40}}, ["slippers"]),
        ({"price": {"$lte": 40}}, ["sandals", "slippers"]),
        ({"genre": {"$in": ["home", "summer"]}}, ["sandals", "slippers"]),
        ({"genre": {"$nin": ["home", "summer"]}}, ["boots", "plain"]),
        ({"sale": {"$exists": True}}, ["boots", "slippers"]),
        ({"sale": {"$exists": False}}, ["sandals", "plain"]),
        ({"sizes": "42"}, ["boots"]),
        ({"sizes": {"$in": ["38", "41"]}}, ["sandals"]),
        ({"$and": [{"price": {"$lt": 100}}, {"genre": {"$ne": "home"}}]}, ["sandals"]),
        ({"$or": [{"sale": True}, {"price": {"$lt": 20}}]}, ["boots", "slippers"]),
        ({"genre": "outdoor", "price": {"$lt": 100}}, []),
    ],
)
def test_metadata_filters_select_what_the_documented_operators_say(
    catalog: Any, expression: dict[str, Any], expected: list[str]
) -> None:
    result = catalog.query(vector=[1.0, 0.0], top_k=10, filter=expression)
    assert [m.id for m in result.matches] == expected


def test_an_unknown_filter_operator_is_a_400(catalog: Any) -> None:
    with pytest.raises(ApiError) as raised:
        catalog.query(vector=[1.0, 0.0], top_k=3, filter={"price": {"$between": [1, 2]}})
    assert raised.value.status_code == 400 and "$between" in str(raised.value)


def test_namespaces_keep_records_apart_and_include_flags_shape_matches(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2, metric="cosine")
    index.upsert(vectors=[("a", [1.0, 0.0], {"team": "apparel"})], namespace="apparel")
    index.upsert(vectors=[("a", [0.0, 1.0], {"team": "electronics"})], namespace="electronics")
    bare = index.query(vector=[1.0, 0.0], top_k=1, namespace="electronics")
    assert bare.namespace == "electronics"
    assert bare.matches[0].values == [] and bare.matches[0].metadata is None
    full = index.query(
        vector=[1.0, 0.0], top_k=1, namespace="apparel", include_values=True, include_metadata=True
    )
    assert full.matches[0].values == [1.0, 0.0] and full.matches[0].metadata == {"team": "apparel"}
    assert index.query(vector=[1.0, 0.0], top_k=1).matches == []  # the default namespace is empty
    stats = index.describe_index_stats()
    assert {name: ns.vector_count for name, ns in stats.namespaces.items()} == {
        "apparel": 1,
        "electronics": 1,
    }


def test_query_by_id_and_top_k_limits(catalog: Any, pc: Pinecone) -> None:
    assert [m.id for m in catalog.query(id="boots", top_k=2).matches] == ["boots", "sandals"]
    assert catalog.query(id="missing", top_k=2).matches == []
    answer = raw(
        catalog, pc, "POST", "/query", json={"vector": [1, 0], "topK": 1001, "includeMetadata": True}
    )
    assert answer.status_code == 400 and answer.json()["code"] == 3
    answer = raw(catalog, pc, "POST", "/query", json={"vector": [1, 0], "topK": 10001})
    assert answer.status_code == 400
    assert raw(catalog, pc, "POST", "/query", json={"vector": [1, 0], "topK": 10000}).status_code == 200


def test_update_changes_values_sparse_values_and_metadata(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2, metric="dotproduct")
    index.upsert(
        vectors=[("a", [1.0, 0.0], {"color": "red", "size": 1}), ("b", [0.0, 1.0], {"color": "red"})]
    )
    index.update(
        id="a", values=[0.5, 0.5], sparse_values={"indices": [4], "values": [1.0]}, set_metadata={"size": 2}
    )
    fetched = index.fetch(ids=["a"]).vectors["a"]
    assert fetched.values == [0.5, 0.5] and fetched.sparse_values.indices == [4]
    assert fetched.metadata == {"color": "red", "size": 2}
    dry = index.update(filter={"color": "red"}, set_metadata={"color": "blue"}, dry_run=True)
    assert dry.matched_records == 2
    assert index.fetch(ids=["b"]).vectors["b"].metadata == {"color": "red"}
    done = index.update(filter={"color": "red"}, set_metadata={"color": "blue"})
    assert done.matched_records == 2
    assert {v.metadata["color"] for v in index.fetch(ids=["a", "b"]).vectors.values()} == {"blue"}


def test_delete_by_ids_by_filter_and_all(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2)
    index.upsert(vectors=[(f"r{i}", [1.0, float(i)], {"even": i % 2 == 0}) for i in range(6)], namespace="n")
    index.delete(ids=["r0", "r1"], namespace="n")
    assert sorted(index.fetch(ids=["r0", "r1", "r2"], namespace="n").vectors) == ["r2"]
    index.delete(filter={"even": True}, namespace="n")
    assert [i.id for page in index.list(namespace="n") for i in page.vectors] == ["r3", "r5"]
    index.delete(delete_all=True, namespace="n")
    assert index.describe_index_stats().total_vector_count == 0


def test_list_ids_by_prefix_with_pagination(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2)
    index.upsert(vectors=[(f"doc1#{i:02d}", [1.0, 0.5]) for i in range(7)] + [("other", [1.0, 0.0])])
    first = index.list_paginated(prefix="doc1#", limit=3)
    assert [v.id for v in first.vectors] == ["doc1#00", "doc1#01", "doc1#02"]
    assert first.pagination is not None
    pages = [[v.id for v in page.vectors] for page in index.list(prefix="doc1#", limit=3)]
    assert pages == [["doc1#00", "doc1#01", "doc1#02"], ["doc1#03", "doc1#04", "doc1#05"], ["doc1#06"]]
    answer = raw(index, pc, "GET", "/vectors/list", params={"paginationToken": "not-a-token!"})
    assert answer.status_code == 400


def test_fetch_by_metadata_pages_through_matches(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2)
    index.upsert(vectors=[(f"m{i}", [1.0, float(i)], {"kind": "x" if i < 5 else "y"}) for i in range(8)])
    first = index.fetch_by_metadata(filter={"kind": "x"}, limit=3)
    assert sorted(first.vectors) == ["m0", "m1", "m2"] and first.pagination is not None
    rest = index.fetch_by_metadata(filter={"kind": "x"}, limit=3, pagination_token=first.pagination.next)
    assert sorted(rest.vectors) == ["m3", "m4"] and rest.pagination is None


def test_describe_index_stats_reports_dimension_fullness_and_counts(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=3, metric="euclidean")
    index.upsert(vectors=[("a", [1, 2, 3]), ("b", [1, 2, 4])])
    index.upsert(vectors=[("c", [0, 0, 1])], namespace="other")
    stats = index.describe_index_stats()
    assert (stats.dimension, stats.index_fullness, stats.total_vector_count) == (3, 0.0, 3)
    assert {name: ns.vector_count for name, ns in stats.namespaces.items()} == {"": 2, "other": 1}


def test_namespaces_are_created_listed_described_and_deleted(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2)
    created = index.create_namespace(name="films")
    assert (created.name, created.record_count) == ("films", 0)
    with pytest.raises(ApiError) as duplicate:
        index.create_namespace(name="films")
    assert duplicate.value.status_code == 409
    index.upsert(vectors=[("a", [1.0, 0.0])], namespace="films")
    index.upsert(vectors=[("b", [1.0, 0.0])])
    assert index.describe_namespace(name="films").record_count == 1
    listed = {ns.name: ns.record_count for page in index.list_namespaces() for ns in page.namespaces}
    assert listed == {"__default__": 1, "films": 1}
    index.delete_namespace(name="films")
    with pytest.raises(NotFoundError):
        index.describe_namespace(name="films")
    assert index.fetch(ids=["a"], namespace="films").vectors == {}


def test_requests_are_validated_like_the_api(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=4, metric="cosine")
    with pytest.raises(ApiError) as wrong_dimension:
        index.upsert(vectors=[("a", [1.0, 0.0])])
    assert wrong_dimension.value.status_code == 400 and "dimension" in str(wrong_dimension.value)
    with pytest.raises(ApiError) as sparse_on_cosine:
        index.upsert(
            vectors=[{"id": "a", "values": [1, 0, 0, 0], "sparse_values": {"indices": [1], "values": [1]}}]
        )
    assert sparse_on_cosine.value.status_code == 400
    cases = {
        "id too long": {"vectors": [{"id": "x" * 513, "values": [1, 0, 0, 0]}]},
        "metadata over 40 KB": {
            "vectors": [{"id": "a", "values": [1, 0, 0, 0], "metadata": {"t": "x" * 41_000}}]
        },
        "nested metadata": {"vectors": [{"id": "a", "values": [1, 0, 0, 0], "metadata": {"t": {"x": 1}}}]},
        "over 1,000 records": {"vectors": [{"id": f"v{i}", "values": [1, 0, 0, 0]} for i in range(1001)]},
        "all-zero cosine vector": {"vectors": [{"id": "a", "values": [0, 0, 0, 0]}]},
    }
    for case, body in cases.items():
        answer = raw(index, pc, "POST", "/vectors/upsert", json=body)
        assert answer.status_code == 400, case
        assert answer.json()["code"] == 3, case
    oversized = {
        "vectors": [
            {"id": f"v{i}", "values": [0.123456789] * 4, "metadata": {"t": "y" * 30_000}} for i in range(80)
        ]
    }
    assert raw(index, pc, "POST", "/vectors/upsert", json=oversized).status_code == 413
    assert index.describe_index_stats().total_vector_count == 0


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (b"[1, NaN, 0, 0]", "not valid JSON"),
        (b"[1, Infinity, 0, 0]", "not valid JSON"),
        (b"[1, 1e400, 0, 0]", "not valid JSON"),
        (b"[1, null, 0, 0]", "vectors[2].values: dense values must be finite numbers"),
        (b'[1, "x", 0, 0]', "vectors[2].values: dense values must be numbers"),
        (b"[1, [0], 0, 0]", "vectors[2].values: dense values must be"),
        (b"[0, 0, 0, 0]", "vectors[2].values: dense vectors must contain at least one non-zero"),
        (b"[1, 0, 0]", "Vector dimension 3 does not match the dimension of the index 4"),
    ],
)
def test_an_upsert_with_one_bad_vector_names_it_and_writes_nothing(
    pc: Pinecone, values: bytes, reason: str
) -> None:
    index = dense_index(pc, dimension=4, metric="cosine")
    good = b'{"id": "ok", "values": [1, 2, 3, 4]}'
    body = b'{"vectors": [' + good + b", " + good + b', {"id": "bad", "values": ' + values + b"}]}"
    answer = raw(index, pc, "POST", "/vectors/upsert", content=body)
    assert (answer.status_code, answer.json()["code"]) == (400, 3)
    assert reason in answer.json()["message"]
    assert index.describe_index_stats().total_vector_count == 0


def test_data_plane_access_follows_the_keys_roles(
    pc: Pinecone, project: Any, admin: Any, key_for: Callable[..., Pinecone], server: ServerHandle
) -> None:
    index = dense_index(pc, dimension=2)
    index.upsert(vectors=[("a", [1.0, 0.0])])
    viewer = key_for(project.id, roles=["DataPlaneViewer"]).Index(host=index.host)
    assert [m.id for m in viewer.query(vector=[1.0, 0.0], top_k=1).matches] == ["a"]
    with pytest.raises(ForbiddenError):
        viewer.upsert(vectors=[("b", [1.0, 0.0])])
    control_only = key_for(project.id, roles=["ControlPlaneEditor"]).Index(host=index.host)
    with pytest.raises(ForbiddenError):
        control_only.query(vector=[1.0, 0.0], top_k=1)
    other_project = admin.projects.create(name=unique("other"))
    stranger = key_for(other_project.id).Index(host=index.host)
    with pytest.raises(ForbiddenError):
        stranger.fetch(ids=["a"])
    with pytest.raises(UnauthorizedError):
        Pinecone(api_key="pckey_nope_" + "x" * 40, host=server.url).Index(host=index.host).fetch(ids=["a"])
    assert index.describe_index_stats().total_vector_count == 1


def test_search_and_imports_answer_not_supported(pc: Pinecone) -> None:
    index = dense_index(pc, dimension=2)
    search = raw(
        index,
        pc,
        "POST",
        "/records/namespaces/ns/search",
        json={"query": {"top_k": 1, "inputs": {"text": "x"}}},
    )
    imports = raw(index, pc, "GET", "/bulk/imports")
    assert search.status_code == 400 and search.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert "not supported by the declarate local target" in search.json()["error"]["message"]
    assert imports.status_code == 400 and imports.json()["code"] == 3
    assert "not supported by the declarate local target" in imports.json()["message"]


def test_an_unknown_host_is_a_404(pc: Pinecone, server: ServerHandle) -> None:
    gone = pc.Index(host=f"{server.url}/index/nothing-here.svc.aws-us-east-1.declarate.local")
    with pytest.raises(NotFoundError):
        gone.describe_index_stats()


def test_a_backup_keeps_the_records_and_a_restore_brings_them_back(pc: Pinecone) -> None:
    source = dense_index(pc, dimension=2)
    source.upsert(vectors=[("a", [1.0, 0.0], {"k": "v"}), ("b", [0.0, 1.0])])
    source.upsert(vectors=[("c", [1.0, 1.0])], namespace="other")
    name = next(i.name for i in pc.indexes.list() if i.host == source.host)
    backup = pc.backups.create(index_name=name, name="nightly")
    assert (backup.record_count, backup.namespace_count) == (3, 2) and backup.size_bytes > 0
    source.delete(delete_all=True)  # later writes do not reach the backup
    assert pc.backups.describe(backup_id=backup.backup_id).record_count == 3
    restored_name = unique("restored")
    pc.create_index_from_backup(name=restored_name, backup_id=backup.backup_id)
    restored = pc.Index(name=restored_name)
    fetched = restored.fetch(ids=["a", "b"]).vectors
    assert sorted(fetched) == ["a", "b"] and fetched["a"].metadata == {"k": "v"}
    assert restored.fetch(ids=["c"], namespace="other").vectors["c"].values == [1.0, 1.0]
    assert source.describe_index_stats().total_vector_count == 1
    pc.backups.delete(backup_id=backup.backup_id)
    assert restored.describe_index_stats().total_vector_count == 3
