"""Reading data impact: the stats URL of a live index's host (hostile until checked) and the record and
namespace counts of a describe_index_stats answer (2026-07 `IndexDescription`)."""

from __future__ import annotations

from typing import Any

import pytest

from declarate.model.plan import DataImpact
from declarate.providers.pinecone.data_impact import impact_of_stats
from declarate.providers.pinecone.transport import UnusableHost, data_url, readable_host


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("recs-abc1234.svc.aped-4627-b74a.pinecone.io", "https://recs-abc1234.svc.aped-4627-b74a.pinecone.io/describe_index_stats"),
        ("http://127.0.0.1:5080/index/recs-1.svc.declarate.local", "http://127.0.0.1:5080/index/recs-1.svc.declarate.local/describe_index_stats"),
        ("https://example.com/", "https://example.com/describe_index_stats"),
    ],
)  # fmt: skip
def test_a_plain_host_or_an_http_url_is_where_the_stats_are_read(host: str, url: str) -> None:
    assert readable_host(host)
    assert data_url(host, "/describe_index_stats") == url


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        42,
        "user:secret@evil.example",
        "https://user:secret@evil.example",
        "https://evil.example/?steal=1",
        "https://evil.example/#x",
        "ftp://evil.example",
        "file:///etc/passwd",
        "evil.example/../admin",
        "evil example",
        "evil.example\r\nX-Injected: 1",
        "https://evil.example:99999",
        "https://evil.example/a b",
        "x" * 2001,
    ],
)
def test_a_host_that_is_not_a_plain_host_or_http_url_is_never_contacted(host: Any) -> None:
    assert not readable_host(host)
    # Every data-plane call (data impact, report, renames) builds its URL here: none can reach it.
    with pytest.raises(UnusableHost):
        data_url(host, "/describe_index_stats")


def test_records_are_the_total_and_namespaces_are_counted() -> None:
    answer = {
        "namespaces": {"": {"vectorCount": 50_000}, "eu": {"vectorCount": 30_000}},
        "dimension": 1024,
        "indexFullness": 0.0,
        "totalVectorCount": 80_000,
    }

    assert impact_of_stats(answer) == DataImpact.counted(80_000, 2)


def test_an_empty_index_holds_nothing() -> None:
    assert impact_of_stats({"namespaces": {}, "totalVectorCount": 0}) == DataImpact.counted(0, 0)
    assert impact_of_stats({"totalVectorCount": 0}) == DataImpact.counted(0, 0)


def test_without_a_total_the_namespace_summaries_are_summed() -> None:
    answer = {"namespaces": {"a": {"vectorCount": 2}, "b": {"vectorCount": 5}, "c": {}}}

    assert impact_of_stats(answer) == DataImpact.counted(7, 3)


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "text",
        {},
        {"namespaces": []},
        {"totalVectorCount": -1},
        {"totalVectorCount": "12"},
        {"totalVectorCount": True},
        {"totalVectorCount": 1.5},
        {"namespaces": {"a": {"vectorCount": "x"}}},
        {"namespaces": {"a": 3}},
    ],
)
def test_an_answer_without_a_readable_count_is_unknown(answer: Any) -> None:
    impact = impact_of_stats(answer)

    assert impact.records is None and impact.namespaces is None
    assert impact.unknown and impact.unknown.startswith("describe_index_stats answered")
