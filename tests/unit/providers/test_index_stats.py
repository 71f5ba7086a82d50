"""One reading of describe_index_stats for the plan's data impact and for `report`.

The same answers, hostile ones included, are sent to both consumers by a stand-in data plane (an
httpx MockTransport answering as Pinecone would, or would not): they agree on every one, a count
that cannot be read is unknown with its reason, never zero, and nothing raises.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from declarate.model.plan import DataImpact
from declarate.providers.pinecone.answers import MalformedAnswer
from declarate.providers.pinecone.client import ClientOptions, Credentials, PineconeClient
from declarate.providers.pinecone.data_impact import read_data_impacts
from declarate.providers.pinecone.index_stats import count_of, impact_of_stats
from declarate.providers.pinecone.session import Directory, ProviderOptions, Session
from declarate.providers.pinecone.usage import _index_usage
from declarate.providers.pinecone.wire import index_resource

HOST = "http://pinecone.test/index/docs-abc1234"
INDEX = {
    "name": "docs",
    "host": HOST,
    "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 4, "metric": "cosine"}}},
    "deployment": {"deployment_type": "serverless", "cloud": "aws", "region": "us-east-1"},
    "status": {"ready": True, "state": "Ready"},
}
HOSTILE_NAMES = {"\x1b[31mred": {"vectorCount": 1}, "a/b\r\nX-Injected: 1": {"vectorCount": "2"}, "": {}}

COUNTED = [
    ({"namespaces": {"": {"vectorCount": 50_000}, "eu": {"vectorCount": 30_000}}, "totalVectorCount": 80_000}, 80_000, 2),
    ({"namespaces": {}, "totalVectorCount": 0}, 0, 0),
    ({"totalVectorCount": 0}, 0, 0),  # an empty map may be left out of an empty index's answer
    ({"totalVectorCount": "0"}, 0, 0),
    ({"namespaces": {"a": {"vectorCount": "12"}}, "totalVectorCount": "12"}, 12, 1),  # int64 as a string
    ({"namespaces": {"a": {"vectorCount": 2}, "b": {"vectorCount": "5"}, "c": {}}}, 7, 3),  # summed; 0 left out
    ({"namespaces": HOSTILE_NAMES}, 3, 3),
    ({"namespaces": {f"n{i}": {"vectorCount": 1} for i in range(1000)}, "totalVectorCount": 1000}, 1000, 1000),
    ({"namespaces": {"a": {"vectorCount": 1}}, "totalVectorCount": "18446744073709551615"}, 2**64 - 1, 1),
]  # fmt: skip

UNKNOWN = [
    (None, "without a body"),
    ([], "without a body"),
    ("text", "without a body"),
    ({}, "without a record count"),
    ({"dimension": 4, "indexFullness": 0.0}, "without a record count"),
    ({"totalVectorCount": 5}, "5 records without their namespaces"),
    ({"namespaces": [], "totalVectorCount": 0}, "namespaces that are not an object"),
    ({"namespaces": "a", "totalVectorCount": 0}, "namespaces that are not an object"),
    ({"namespaces": {}, "totalVectorCount": -1}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": "-1"}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": True}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": 1.5}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": ""}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": " 12"}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": "١٢"}, "a totalVectorCount that is not a count"),  # not ASCII digits
    ({"namespaces": {}, "totalVectorCount": "9" * 5000}, "a totalVectorCount that is not a count"),
    ({"namespaces": {}, "totalVectorCount": {"n": 1}}, "a totalVectorCount that is not a count"),
    ({"namespaces": {"a": {"vectorCount": "x"}}}, "a namespace's vectorCount that is not a count"),
    ({"namespaces": {"a": {"vectorCount": None}}}, "a namespace's vectorCount that is not a count"),
    ({"namespaces": {"a": {"vectorCount": False}}}, "a namespace's vectorCount that is not a count"),
    ({"namespaces": {"a": 3}}, "a namespace summary that is not an object"),
    ({"namespaces": {"a": None}}, "a namespace summary that is not an object"),
]  # fmt: skip


class _Keys:
    """The project key the plan would mint or use (not what is under test)."""

    async def key_for(self, project: str) -> str:
        return "data-key"


def _session(stats: Any) -> Session:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/describe_index_stats"):
            return httpx.Response(200, json=stats)
        if request.url.path.endswith("/namespaces"):
            return httpx.Response(200, json={"namespaces": [{"name": "a", "size_bytes": "64"}]})
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "no"}})

    client = PineconeClient(
        ClientOptions(
            base_url="http://pinecone.test",
            oauth_url="http://pinecone.test/oauth/token",
            credentials=Credentials("id", "secret"),
            transport=httpx.MockTransport(answer),
        )
    )
    keys: Any = _Keys()
    return Session(client=client, directory=Directory(client), keys=keys, options=ProviderOptions())


def _both_consumers(stats: Any) -> tuple[DataImpact, Any]:
    async def read() -> tuple[DataImpact, Any]:
        session = _session(stats)
        async with session.client:
            impacts = await read_data_impacts(session, [index_resource("p", INDEX)])
            usage = await _index_usage(session, "data-key", "p", INDEX)
        return impacts[index_resource("p", INDEX).address], usage

    return asyncio.run(read())


@pytest.mark.parametrize(("stats", "records", "namespaces"), COUNTED)
def test_plan_and_report_count_the_same_records_and_namespaces(
    stats: Any, records: int, namespaces: int
) -> None:
    impact, usage = _both_consumers(stats)

    assert impact == impact_of_stats(stats) == DataImpact.counted(records, namespaces)
    assert (usage.records, usage.namespaces, usage.unknown) == (records, namespaces, None)
    assert usage.storage_bytes == 64


@pytest.mark.parametrize(("stats", "reason"), UNKNOWN)
def test_an_unreadable_count_is_unknown_with_its_reason_in_plan_and_report(stats: Any, reason: str) -> None:
    impact, usage = _both_consumers(stats)

    assert impact == impact_of_stats(stats)
    assert (impact.records, impact.namespaces) == (None, None) and impact.holds_data
    assert impact.unknown == f"describe_index_stats answered {reason}"
    assert (usage.records, usage.namespaces, usage.storage_bytes) == (None, None, None)
    assert usage.unknown == f"index statistics not readable: describe_index_stats answered {reason}"


@pytest.mark.parametrize("value", [0, 7, "7", "00", str(2**64 - 1)])
def test_a_count_is_a_non_negative_integer_or_decimal_string(value: Any) -> None:
    assert count_of(value, "size_bytes") == int(value)


@pytest.mark.parametrize("value", [-1, True, 1.0, None, "", "1e3", "0x10", "+1", "9" * 21, [1]])
def test_anything_else_is_not_a_count(value: Any) -> None:
    with pytest.raises(MalformedAnswer, match=r"^size_bytes is not a count$"):
        count_of(value, "size_bytes")
