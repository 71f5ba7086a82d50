"""Bulk-create an estate's projects and indexes live, fast, straight through the API.

The plan benchmark needs thousands of indexes that already exist, so the plan reads real state. This
module creates them with a thread pool on a server with no injected latency, as declarate would have
(the ownership tag included), then the caller runs `declarate apply` once to create the rest (keys,
service accounts, role bindings) and to prove live state matches. It reads the estate's YAML, which
must be a generated estate (plain `dimension`/`metric`/`spec.serverless` indexes); it never prints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

OWNERSHIP_TAG = ("managed-by", "declarate")  # declarate's default: no declarate.yaml in the estate
API_VERSION = {"X-Pinecone-Api-Version": "2026-07"}
_POPULATE_KEY = "bench-populate"
_MAX_ATTEMPTS = 8


class PopulateFailed(RuntimeError):
    """A bulk create was refused by the server."""


@dataclass(frozen=True)
class DeclaredProject:
    name: str
    indexes: list[dict[str, Any]]


@dataclass(frozen=True)
class Populated:
    projects: int
    indexes: int
    wall_s: float


def declared_projects(root: Path) -> list[DeclaredProject]:
    """The Project documents of a generated estate, with their index entries as written."""
    projects = []
    for path in sorted(root.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict) and document.get("kind") == "Project":
                projects.append(DeclaredProject(document["name"], list(document.get("indexes") or [])))
    return projects


def create_index_body(index: dict[str, Any]) -> dict[str, Any]:
    """The 2026-07 create body of a generated index, tagged as declarate-owned."""
    serverless = index["spec"]["serverless"]
    return {
        "name": index["name"],
        "schema": {
            "fields": {
                "_values": {
                    "type": "dense_vector",
                    "dimension": index["dimension"],
                    "metric": index.get("metric", "cosine"),
                }
            }
        },
        "deployment": {
            "deployment_type": "managed",
            "cloud": serverless["cloud"],
            "region": serverless["region"],
        },
        "deletion_protection": index.get("deletion_protection", "disabled"),
        "tags": {**index.get("tags", {}), OWNERSHIP_TAG[0]: OWNERSHIP_TAG[1]},
    }


class _Api:
    """A thread-safe, retrying client of one served control plane (one httpx client per thread)."""

    def __init__(self, url: str, client_id: str, client_secret: str) -> None:
        self.url = url
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()
        token = self.call(
            "POST",
            "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "audience": "https://api.pinecone.io/",
            },
            accept=(200,),
        )
        self.bearer = {"Authorization": f"Bearer {token['access_token']}"}

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.url, headers=API_VERSION, timeout=60)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every thread's connection pool."""
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()

    def call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        accept: tuple[int, ...] = (200, 201, 202),
    ) -> Any:
        """Send one request, retrying 429 and 5xx; a 409 on create means it already exists."""
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            response = self._client().request(method, path, headers=headers, json=json)
            if response.status_code in accept:
                return response.json() if response.content else None
            if response.status_code == 409:
                return None
            if response.status_code == 429 or response.status_code >= 500:
                time.sleep(float(response.headers.get("Retry-After") or 0.1 * attempt))
                continue
            raise PopulateFailed(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        raise PopulateFailed(f"{method} {path}: still failing after {_MAX_ATTEMPTS} attempts")


def populate_live(
    url: str, client_id: str, client_secret: str, root: Path, *, threads: int = 16
) -> Populated:
    """Create the estate's projects and indexes (skipping what exists), then delete the temporary keys."""
    started = time.perf_counter()
    api = _Api(url, client_id, client_secret)
    projects = declared_projects(root)
    try:
        project_ids = _ensure_projects(api, [p.name for p in projects], threads)
        with ThreadPoolExecutor(threads) as pool:
            minted = pool.map(lambda pid: _mint_key(api, pid), project_ids.values())
            keys = dict(zip(project_ids, minted, strict=True))
            jobs = [_create_index_job(api, keys[p.name][1], index) for p in projects for index in p.indexes]
            _drain(pool.map(lambda job: job(), jobs))
            _drain(pool.map(lambda key: _delete_key(api, key[0]), keys.values()))
    finally:
        api.close()
    return Populated(len(projects), sum(len(p.indexes) for p in projects), time.perf_counter() - started)


def _ensure_projects(api: _Api, names: list[str], threads: int) -> dict[str, str]:
    live = {p["name"]: p["id"] for p in api.call("GET", "/admin/projects", headers=api.bearer)["data"]}
    missing = [n for n in names if n not in live]
    with ThreadPoolExecutor(threads) as pool:
        for created in pool.map(
            lambda n: api.call("POST", "/admin/projects", headers=api.bearer, json={"name": n}), missing
        ):
            live[created["name"]] = created["id"]
    return {n: live[n] for n in names}


def _mint_key(api: _Api, project_id: str) -> tuple[str, str]:
    """(key id, key value) of a temporary ProjectEditor key; the value stays in memory only."""
    created = api.call(
        "POST",
        f"/admin/projects/{project_id}/api-keys",
        headers=api.bearer,
        json={"name": _POPULATE_KEY, "roles": ["ProjectEditor"]},
    )
    return created["key"]["id"], created["value"]


def _delete_key(api: _Api, key_id: str) -> None:
    api.call("DELETE", f"/admin/api-keys/{key_id}", headers=api.bearer)


def _create_index_job(api: _Api, key: str, index: dict[str, Any]) -> Callable[[], None]:
    body = create_index_body(index)

    def job() -> None:
        api.call("POST", "/indexes", headers={"Api-Key": key}, json=body)

    return job


def _drain(results: Iterator[Any]) -> None:
    """Consume a pool.map, so the first failure is raised here."""
    for _ in results:
        pass
