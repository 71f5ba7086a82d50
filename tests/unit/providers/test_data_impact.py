"""Reading data impact: the stats URL of a live index's host (hostile until checked). The counts of a
describe_index_stats answer are read by `index_stats` (tests in `test_index_stats.py`)."""

from __future__ import annotations

from typing import Any

import pytest

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
