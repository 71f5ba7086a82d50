"""The metrics API: Prometheus discovery (db_metrics_2026-07) and the per-project text export.

The discovery answer is checked against the spec's `PrometheusTargets` and its errors against its
`ErrorResponse` (both transcribed below from `db_metrics_2026-07.oas.yaml`, which is not among the
vendored specs); the export's figures against the data plane's own describe_index_stats and
namespace list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from local_support import DENSE, VERSION, key_headers, new_key, owner_headers

from declarate.local import running_server

# db_metrics_2026-07: components.schemas.PrometheusTargets and ErrorResponse, as JSON Schema.
PROMETHEUS_TARGETS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "targets": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["targets"],
    },
}
ERROR_RESPONSE = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "error": {
            "type": "object",
            "properties": {
                "code": {"enum": ["OK", "UNKNOWN", "UNAUTHENTICATED", "TOO_MANY_REQUESTS"]},
                "message": {"type": "string"},
            },
            "required": ["code", "message"],
        },
    },
    "required": ["status", "error"],
}
SAMPLE = re.compile(r"^(pinecone_db_\w+)\{(.*)\} (\d+)$")


@pytest.fixture
def served() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    with running_server(ready_after=0) as server, httpx.Client(base_url=server.url) as client:
        yield client, owner_headers(client, server.client_id, server.client_secret)


def _project(client: httpx.Client, owner: dict[str, str], name: str) -> tuple[str, str]:
    response = client.post("/admin/projects", json={"name": name}, headers=owner)
    assert response.status_code == 200, response.text
    project_id = response.json()["id"]
    return project_id, new_key(client, owner, project_id, ["ProjectEditor"])


def _index_with_records(client: httpx.Client, key: str, name: str, namespaces: dict[str, int]) -> str:
    created = client.post("/indexes", json={"name": name, "schema": DENSE}, headers=key_headers(key))
    assert created.status_code == 201, created.text
    host = created.json()["host"]
    for namespace, count in namespaces.items():
        vectors = [{"id": f"r{n}", "values": [1.0, 2.0, 3.0, float(n + 1)]} for n in range(count)]
        upserted = client.post(
            host + "/vectors/upsert",
            json={"vectors": vectors, "namespace": namespace},
            headers=key_headers(key),
        )
        assert upserted.status_code == 200, upserted.text
    return str(host)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _samples(text: str) -> dict[tuple[str, str], int]:
    """(metric, index_name) -> value from a Prometheus text export."""
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, line
        index = re.search(r'index_name="([^"]*)"', match.group(2))
        assert index
        found[(match.group(1), index.group(1))] = int(match.group(3))
    return found


def test_discovery_points_to_an_export_whose_figures_match_the_data_plane(served: Any) -> None:
    client, owner = served
    project_id, key = _project(client, owner, "team-a")
    hosts = {
        "recs": _index_with_records(client, key, "recs", {"": 3, "b": 2}),
        "empty": _index_with_records(client, key, "empty", {}),
    }

    discovered = client.get(f"/prometheus/projects/{project_id}/metrics/discover", headers=_bearer(key))
    assert discovered.status_code == 200, discovered.text
    Draft202012Validator(PROMETHEUS_TARGETS).validate(discovered.json())
    [group] = discovered.json()
    assert group["labels"] == {"project_id": project_id, "project_name": "team-a"}
    [target] = group["targets"]
    assert target == str(client.base_url).rstrip("/") + f"/projects/{project_id}/metrics/export"

    exported = client.get(target, headers=_bearer(key))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(exported.text)
    for name, host in hosts.items():
        stats = client.post(host + "/describe_index_stats", json={}, headers=key_headers(key)).json()
        listed = client.get(host + "/namespaces", headers=key_headers(key)).json()["namespaces"]
        assert samples[("pinecone_db_record_total", name)] == stats["totalVectorCount"]
        assert samples[("pinecone_db_namespace_total", name)] == len(stats["namespaces"])
        assert samples[("pinecone_db_storage_size_bytes", name)] == sum(int(n["size_bytes"]) for n in listed)
    assert samples[("pinecone_db_record_total", "recs")] == 5


@pytest.mark.parametrize(
    "path", ["/prometheus/projects/{id}/metrics/discover", "/projects/{id}/metrics/export"]
)
def test_only_a_key_of_the_project_reads_its_metrics(served: Any, path: str) -> None:
    client, owner = served
    project_id, _ = _project(client, owner, "team-a")
    _, other_key = _project(client, owner, "team-b")
    url = path.format(id=project_id)
    for headers in ({}, _bearer("not-a-key"), _bearer(other_key), {**VERSION, "Api-Key": other_key}):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 401, (headers.keys(), refused.text)
        Draft202012Validator(ERROR_RESPONSE).validate(refused.json())
        assert refused.json()["error"]["code"] == "UNAUTHENTICATED"


def test_a_hostile_project_name_cannot_forge_a_sample(served: Any) -> None:
    client, owner = served
    name = 'x"} 1\nfake_metric{a="b'
    response = client.post("/admin/projects", json={"name": name}, headers=owner)
    assert response.status_code == 200, response.text  # project names are free text
    project_id = response.json()["id"]
    key = new_key(client, owner, project_id, ["ProjectEditor"])
    _index_with_records(client, key, "recs", {"": 1})
    text = client.get(f"/projects/{project_id}/metrics/export", headers=_bearer(key)).text
    assert "\nfake_metric" not in text
    assert _samples(text)[("pinecone_db_record_total", "recs")] == 1
