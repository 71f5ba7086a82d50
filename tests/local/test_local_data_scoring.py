"""Properties of the data plane's vector math and filters against plain-Python references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.local.data.filters import compile_filter
from declarate.local.data.scoring import sparse_scores, top_k

scores_lists = st.lists(st.floats(-5, 5, allow_nan=False, width=32), min_size=1, max_size=60)


@given(scores_lists, st.integers(1, 70), st.booleans())
def test_top_k_is_the_sorted_prefix_with_ties_in_row_order(
    scores: list[float], k: int, ascending: bool
) -> None:
    array = np.asarray(scores, dtype=np.float64)
    chosen = top_k(array, np.arange(len(scores)), k, ascending).tolist()
    reference = sorted(range(len(scores)), key=lambda i: (scores[i] if ascending else -scores[i], i))[:k]
    assert chosen == reference


sparse_rows = st.lists(
    st.dictionaries(st.integers(0, 40), st.floats(-2, 2, allow_nan=False, width=32), max_size=6),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60)
@given(
    sparse_rows,
    st.dictionaries(st.integers(0, 40), st.floats(-2, 2, allow_nan=False, width=32), min_size=1, max_size=6),
)
def test_sparse_scores_are_dot_products(rows: list[dict[int, float]], query: dict[int, float]) -> None:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    indices = np.asarray([i for row in rows for i in row], dtype=np.uint32)
    values = np.asarray([v for row in rows for v in row.values()], dtype=np.float32)
    got = sparse_scores(
        indptr,
        indices,
        values,
        np.asarray(list(query), dtype=np.uint32),
        np.asarray(list(query.values()), dtype=np.float32),
    )
    expected = [
        sum(float(np.float32(v)) * float(np.float32(query.get(i, 0.0))) for i, v in row.items())
        for row in rows
    ]
    assert got.tolist() == pytest.approx(expected, abs=1e-5)


metadata = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "n": st.integers(-3, 3),
            "tag": st.sampled_from(["a", "b", "c"]),
            "tags": st.lists(st.sampled_from(["a", "b"])),
        },
    ),
)


@given(metadata, st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3), st.integers(-3, 3))
def test_complementary_operators_partition_the_records(record: Any, values: list[str], bound: int) -> None:
    for field in ("tag", "tags"):
        assert compile_filter({field: {"$in": values}})(record) != compile_filter({field: {"$nin": values}})(
            record
        )
        assert compile_filter({field: {"$eq": values[0]}})(record) != compile_filter(
            {field: {"$ne": values[0]}}
        )(record)
    has_n = record is not None and "n" in record
    below = compile_filter({"n": {"$lt": bound}})(record)
    at_or_above = compile_filter({"n": {"$gte": bound}})(record)
    assert (below or at_or_above) == has_n and not (below and at_or_above)
    assert compile_filter({"$or": [{"n": {"$lt": bound}}, {"n": {"$gte": bound}}]})(record) == has_n
    assert compile_filter({"$and": [{"n": {"$exists": True}}, {"n": {"$exists": False}}]})(record) is False
