"""Asynchronous states derived from timestamps: Initializing, Terminating, Scaling, Pending."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from local_support import DENSE, key_headers, new_key, new_project, owner_headers

from declarate.local import running_server

READY_AFTER = 0.5


class Env:
    """A client, the owner's headers and a fresh project's key headers."""

    def __init__(
        self, client: httpx.Client, owner: dict[str, str], project: dict[str, Any], key: dict[str, str]
    ):
        self.client, self.owner, self.project, self.key = client, owner, project, key

    def index(self, name: str) -> httpx.Response:
        return self.client.get(f"/indexes/{name}", headers=self.key)

    def state(self, name: str) -> dict[str, Any]:
        status: dict[str, Any] = self.index(name).json()["status"]
        return status


@pytest.fixture(scope="module")
def server_url() -> Iterator[tuple[str, str, str]]:
    with running_server(ready_after=READY_AFTER) as server:
        yield server.url, server.client_id, server.client_secret


@pytest.fixture
def env(server_url: tuple[str, str, str]) -> Iterator[Env]:
    url, client_id, client_secret = server_url
    with httpx.Client(base_url=url) as client:
        owner = owner_headers(client, client_id, client_secret)
        project = new_project(client, owner, max_pods=10)
        yield Env(client, owner, project, key_headers(new_key(client, owner, project["id"])))


def settle() -> None:
    time.sleep(READY_AFTER + 0.05)


def test_index_initializes_then_is_ready(env: Env) -> None:
    created = env.client.post("/indexes", json={"name": "slow", "schema": DENSE}, headers=env.key)
    assert created.json()["status"] == {"ready": False, "state": "Initializing"}
    assert created.json()["host"]
    assert env.state("slow") == {"ready": False, "state": "Initializing"}
    settle()
    assert env.state("slow") == {"ready": True, "state": "Ready"}


def test_deleted_index_terminates_then_is_gone(env: Env) -> None:
    env.client.post("/indexes", json={"name": "doomed", "schema": DENSE}, headers=env.key)
    settle()
    assert env.client.delete("/indexes/doomed", headers=env.key).status_code == 202
    assert env.state("doomed") == {"ready": False, "state": "Terminating"}
    assert env.client.delete("/indexes/doomed", headers=env.key).status_code == 202
    again = env.client.post("/indexes", json={"name": "doomed", "schema": DENSE}, headers=env.key)
    assert again.status_code == 409
    listed = env.client.get("/indexes", headers=env.key).json()["indexes"]
    assert [i["status"]["state"] for i in listed] == ["Terminating"]
    settle()
    assert env.index("doomed").status_code == 404
    assert env.client.get("/indexes", headers=env.key).json()["indexes"] == []
    assert (
        env.client.post("/indexes", json={"name": "doomed", "schema": DENSE}, headers=env.key).status_code
        == 201
    )


def test_read_capacity_changes_scale_then_settle(env: Env) -> None:
    capacity = {
        "mode": "Dedicated",
        "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
    }
    created = env.client.post(
        "/indexes", json={"name": "drn", "schema": DENSE, "read_capacity": capacity}, headers=env.key
    ).json()
    assert created["read_capacity"]["status"] == {
        "state": "Scaling",
        "current_replicas": None,
        "current_shards": None,
    }
    settle()
    ready = env.index("drn").json()["read_capacity"]["status"]
    assert ready == {"state": "Ready", "current_replicas": 1, "current_shards": 1}
    patch = {
        "read_capacity": {"mode": "Dedicated", "dedicated": {"scaling": "Manual", "manual": {"replicas": 3}}}
    }
    scaled = env.client.patch("/indexes/drn", json=patch, headers=env.key).json()
    assert scaled["status"] == {"ready": True, "state": "ScalingUp"}
    assert scaled["read_capacity"]["status"] == {
        "state": "Scaling",
        "current_replicas": 1,
        "current_shards": 1,
    }
    busy = env.client.patch("/indexes/drn", json=patch, headers=env.key)
    assert busy.status_code == 403
    settle()
    settled = env.index("drn").json()
    assert settled["status"]["state"] == "Ready"
    assert settled["read_capacity"]["status"] == {
        "state": "Ready",
        "current_replicas": 3,
        "current_shards": 1,
    }
    down = {
        "read_capacity": {"mode": "Dedicated", "dedicated": {"scaling": "Manual", "manual": {"replicas": 2}}}
    }
    assert (
        env.client.patch("/indexes/drn", json=down, headers=env.key).json()["status"]["state"]
        == "ScalingDown"
    )
    settle()
    node = {"read_capacity": {"mode": "Dedicated", "dedicated": {"node_type": "t1"}}}
    migrating = env.client.patch("/indexes/drn", json=node, headers=env.key).json()
    assert migrating["read_capacity"]["status"]["state"] == "Migrating"


def test_pod_scaling_states(env: Env) -> None:
    seeded = env.client.post(
        "/_local/pod-indexes",
        headers=env.owner,
        json={"project_id": env.project["id"], "name": "pods", "dimension": 8},
    )
    assert seeded.json()["status"]["state"] == "Initializing"
    settle()
    up = env.client.patch("/indexes/pods", json={"deployment": {"replicas": 2}}, headers=env.key).json()
    assert up["status"] == {"ready": True, "state": "ScalingUp"}
    settle()
    down = env.client.patch("/indexes/pods", json={"deployment": {"replicas": 1}}, headers=env.key).json()
    assert down["status"]["state"] == "ScalingDown"
    size = env.client.patch(
        "/indexes/pods", json={"deployment": {"pod_type": "p1.x2"}}, headers=env.key
    ).json()
    assert size["status"]["state"] == "ScalingUpPodSize"
    settle()
    assert env.state("pods") == {"ready": True, "state": "Ready"}


def test_backup_restore_and_collection_states(env: Env) -> None:
    env.client.post("/indexes", json={"name": "src", "schema": DENSE}, headers=env.key)
    settle()
    backup = env.client.post("/indexes/src/backups", json={"name": "b"}, headers=env.key).json()
    assert backup["status"] == "Initializing"
    early = env.client.post(
        f"/backups/{backup['backup_id']}/create-index", json={"name": "copy"}, headers=env.key
    )
    assert early.status_code == 412
    settle()
    assert env.client.get(f"/backups/{backup['backup_id']}", headers=env.key).json()["status"] == "Ready"
    job = env.client.post(
        f"/backups/{backup['backup_id']}/create-index", json={"name": "copy"}, headers=env.key
    )
    assert job.status_code == 202
    described = env.client.get(f"/restore-jobs/{job.json()['restore_job_id']}", headers=env.key).json()
    assert (described["status"], described["completed_at"]) == ("Pending", None)
    assert env.state("copy")["state"] == "Initializing"
    settle()
    described = env.client.get(f"/restore-jobs/{job.json()['restore_job_id']}", headers=env.key).json()
    assert (described["status"], described["percent_complete"]) == ("Completed", 100)
    env.client.post(
        "/_local/pod-indexes",
        headers=env.owner,
        json={"project_id": env.project["id"], "name": "pod-src", "dimension": 4},
    )
    collection = env.client.post(
        "/collections", json={"name": "snap", "source": "pod-src"}, headers=env.key
    ).json()
    assert collection["status"] == "Initializing"
    refused = env.client.delete("/indexes/pod-src", headers=env.key)
    assert refused.status_code == 412
    assert "snap" in refused.json()["error"]["message"]
    settle()
    assert env.client.get("/collections/snap", headers=env.key).json()["status"] == "Ready"
    assert env.client.delete("/indexes/pod-src", headers=env.key).status_code == 202
