"""Concurrency: 16 clients creating and deleting at once leave a consistent store."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from local_support import DENSE, key_headers, new_key, new_project, owner_headers

from declarate.local import running_server

WORKERS = 16


def _worker(url: str, headers: dict[str, str], shared_key: str, barrier: threading.Barrier) -> dict[str, Any]:
    outcome: dict[str, Any] = {"shared_project": None, "shared_index": None}
    with httpx.Client(base_url=url, timeout=30) as client:
        barrier.wait()
        contested = client.post("/admin/projects", json={"name": "contested"}, headers=headers)
        outcome["shared_project"] = contested.status_code
        index = client.post(
            "/indexes", json={"name": "contested", "schema": DENSE}, headers=key_headers(shared_key)
        )
        outcome["shared_index"] = index.status_code
        project = new_project(client, headers)
        keys = [new_key(client, headers, project["id"]) for _ in range(3)]
        for position in range(2):
            created = client.post(
                "/indexes",
                json={"name": f"i{position}", "schema": DENSE},
                headers=key_headers(keys[position]),
            )
            assert created.status_code == 201, created.text
        assert client.delete("/indexes/i0", headers=key_headers(keys[2])).status_code == 202
        listed = client.get(f"/admin/projects/{project['id']}/api-keys", headers=headers).json()["data"]
        first_key_id = listed[0]["id"]
        assert client.delete(f"/admin/api-keys/{first_key_id}", headers=headers).status_code == 202
        outcome["project"] = project["id"]
        outcome["kept_keys"] = 2
        outcome["kept_indexes"] = ["i1"]
        throwaway = new_project(client, headers)
        new_key(client, headers, throwaway["id"])
        assert client.delete(f"/admin/projects/{throwaway['id']}", headers=headers).status_code == 202
    return outcome


def _assert_consistent(db_path: Path, outcomes: list[dict[str, Any]]) -> None:
    connection = sqlite3.connect(db_path)
    orphan_keys = connection.execute(
        "SELECT COUNT(*) FROM api_keys WHERE project_id NOT IN (SELECT id FROM projects)"
    ).fetchone()[0]
    orphan_key_bindings = connection.execute(
        "SELECT COUNT(*) FROM role_bindings WHERE principal_type = 'api_key' "
        "AND principal_id NOT IN (SELECT id FROM api_keys)"
    ).fetchone()[0]
    orphan_project_bindings = connection.execute(
        "SELECT COUNT(*) FROM role_bindings WHERE resource_type = 'project' "
        "AND resource_id NOT IN (SELECT id FROM projects)"
    ).fetchone()[0]
    orphan_indexes = connection.execute(
        "SELECT COUNT(*) FROM indexes WHERE project_id NOT IN (SELECT id FROM projects)"
    ).fetchone()[0]
    assert (orphan_keys, orphan_key_bindings, orphan_project_bindings, orphan_indexes) == (0, 0, 0, 0)
    for outcome in outcomes:
        keys = connection.execute(
            "SELECT COUNT(*) FROM api_keys WHERE project_id = ?", (outcome["project"],)
        ).fetchone()[0]
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM indexes WHERE project_id = ? AND deleted_at IS NULL", (outcome["project"],)
            )
        ]
        assert keys == outcome["kept_keys"]
        assert names == outcome["kept_indexes"]
    connection.close()


def test_sixteen_clients_leave_a_consistent_store(tmp_path: Path) -> None:
    db_path = tmp_path / "local.db"
    with running_server(db_path=str(db_path)) as server, httpx.Client(base_url=server.url) as client:
        headers = owner_headers(client, server.client_id, server.client_secret)
        shared = new_project(client, headers)
        shared_key = new_key(client, headers, shared["id"])
        barrier = threading.Barrier(WORKERS)
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [pool.submit(_worker, server.url, headers, shared_key, barrier) for _ in range(WORKERS)]
            outcomes = [future.result() for future in futures]
        assert Counter(o["shared_project"] for o in outcomes) == Counter({200: 1, 409: WORKERS - 1})
        assert Counter(o["shared_index"] for o in outcomes) == Counter({201: 1, 409: WORKERS - 1})
        projects = client.get("/admin/projects", headers=headers).json()["data"]
        assert len(projects) == 2 + WORKERS  # shared, contested, and one per worker
        assert server.stats()["by_status"].get("500") is None
    _assert_consistent(db_path, outcomes)


def test_two_servers_sharing_one_data_file_serialize_writes(tmp_path: Path) -> None:
    db_path = str(tmp_path / "shared.db")
    credentials = {"client_id": "shared-owner", "client_secret": "shared-secret"}
    with (
        running_server(db_path=db_path, **credentials) as first,
        running_server(db_path=db_path, **credentials) as second,
    ):

        def create(url: str, position: int) -> int:
            with httpx.Client(base_url=url, timeout=30) as client:
                headers = owner_headers(client, "shared-owner", "shared-secret")
                statuses = [
                    client.post(
                        "/admin/projects", json={"name": f"n{position}-{i}"}, headers=headers
                    ).status_code
                    for i in range(5)
                ]
                statuses.append(
                    client.post("/admin/projects", json={"name": "same"}, headers=headers).status_code
                )
                return statuses.count(200)

        with ThreadPoolExecutor(8) as pool:
            created = sum(pool.map(lambda n: create((first, second)[n % 2].url, n), range(8)))
        assert created == 8 * 5 + 1
        with httpx.Client(base_url=second.url) as client:
            headers = owner_headers(client, "shared-owner", "shared-secret")
            assert len(client.get("/admin/projects", headers=headers).json()["data"]) == created
