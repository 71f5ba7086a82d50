"""Token expiry, persistence across restarts, bootstrap credentials and the embedded transport."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from local_support import DENSE, key_headers, new_key, new_project, owner_headers
from pinecone import Admin

from declarate.local import (
    EMBEDDED_CLIENT_ID,
    EMBEDDED_CLIENT_SECRET,
    clients,
    embedded_transport,
    running_server,
)


def test_tokens_expire_after_token_ttl() -> None:
    with running_server(token_ttl=1) as server, httpx.Client(base_url=server.url) as client:
        token = client.post(
            "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": server.client_id,
                "client_secret": server.client_secret,
                "audience": "https://api.pinecone.io/",
            },
        ).json()
        assert token["expires_in"] == 1
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.get("/admin/projects", headers=headers).status_code == 200
        admin = Admin(
            client_id=server.client_id,
            client_secret=server.client_secret,
            host=server.url,
            oauth_url=server.oauth_url,
        )
        time.sleep(1.1)
        expired = client.get("/admin/projects", headers=headers)
        assert expired.status_code == 401
        assert expired.json()["error"] == {"code": "UNAUTHENTICATED", "message": "Access token expired."}
        assert admin.projects.list() is not None  # the SDK re-mints its token before expiry


def test_data_survives_a_restart(tmp_path: Path) -> None:
    db_path = str(tmp_path / "state" / "local.db")
    Path(db_path).parent.mkdir()
    with running_server(db_path=db_path) as first, httpx.Client(base_url=first.url) as client:
        credentials = (first.client_id, first.client_secret)
        owner = owner_headers(client, *credentials)
        project = new_project(client, owner)
        key = new_key(client, owner, project["id"])
        assert (
            client.post(
                "/indexes", json={"name": "kept", "schema": DENSE}, headers=key_headers(key)
            ).status_code
            == 201
        )
    with running_server(db_path=db_path) as second, httpx.Client(base_url=second.url) as client:
        assert (second.client_id, second.client_secret) == credentials  # generated once, remembered
        assert client.get("/admin/projects", headers=owner).status_code == 200  # tokens persist too
        names = [p["name"] for p in client.get("/admin/projects", headers=owner).json()["data"]]
        assert names == [project["name"]]
        index = client.get("/indexes/kept", headers=key_headers(key))
        assert index.status_code == 200 and index.json()["status"]["state"] == "Ready"
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        hashed = connection.execute("SELECT value_hash FROM api_keys").fetchone()[0]
        assert hashed != key and key not in str(connection.execute("SELECT * FROM api_keys").fetchall())


def test_configured_credentials_replace_the_bootstrap_ones(tmp_path: Path) -> None:
    db_path = str(tmp_path / "local.db")
    with running_server(db_path=db_path) as first:
        old = (first.client_id, first.client_secret)
    fixed = {"client_id": "fixed-id", "client_secret": "fixed-secret"}
    with running_server(db_path=db_path, **fixed) as second, httpx.Client(base_url=second.url) as client:
        assert owner_headers(client, "fixed-id", "fixed-secret")
        with pytest.raises(httpx.HTTPStatusError):
            owner_headers(client, *old)


def test_in_memory_servers_share_nothing() -> None:
    with running_server() as first, running_server() as second, httpx.Client() as client:
        owner = owner_headers(httpx.Client(base_url=first.url), first.client_id, first.client_secret)
        new_project(httpx.Client(base_url=first.url), owner)
        second_owner = owner_headers(
            httpx.Client(base_url=second.url), second.client_id, second.client_secret
        )
        assert client.get(second.url + "/admin/projects", headers=second_owner).json()["data"] == []


def test_embedded_transport_uses_the_data_file(tmp_path: Path) -> None:
    db_path = tmp_path / "deep" / "dir" / "local.db"
    transport = embedded_transport(db_path)

    async def create_project() -> str:
        async with httpx.AsyncClient(transport=transport, base_url="http://declarate.local") as client:
            response = await client.post(
                "/admin/projects", json={"name": "embedded"}, headers=await clients.owner_headers(client)
            )
            assert response.status_code == 200
            project_id: str = response.json()["id"]
            return project_id

    project_id = asyncio.run(create_project())
    assert db_path.exists()
    with (
        running_server(
            db_path=str(db_path), client_id=EMBEDDED_CLIENT_ID, client_secret=EMBEDDED_CLIENT_SECRET
        ) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        owner = owner_headers(client, EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET)
        assert client.get(f"/admin/projects/{project_id}", headers=owner).json()["name"] == "embedded"
