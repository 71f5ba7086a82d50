"""Raw-HTTP helpers for the local control plane tests (no SDK: its retries would hide faults)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

VERSION = {"X-Pinecone-Api-Version": "2026-07"}
DENSE = {"fields": {"v": {"type": "dense_vector", "dimension": 4, "metric": "cosine"}}}


def owner_headers(client: httpx.Client, client_id: str, client_secret: str) -> dict[str, str]:
    """Bearer headers for the given service account credentials."""
    response = client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "audience": "https://api.pinecone.io/",
        },
    )
    response.raise_for_status()
    return {**VERSION, "Authorization": f"Bearer {response.json()['access_token']}"}


def new_project(client: httpx.Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a project with a unique name."""
    response = client.post(
        "/admin/projects", json={"name": f"p-{uuid.uuid4().hex[:10]}", **fields}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def new_key(
    client: httpx.Client, headers: dict[str, str], project_id: str, roles: list[str] | None = None
) -> str:
    """Create an API key; the ``Api-Key`` header value."""
    body: dict[str, Any] = {"name": "k"}
    if roles is not None:
        body["roles"] = roles
    response = client.post(f"/admin/projects/{project_id}/api-keys", json=body, headers=headers)
    assert response.status_code == 201, response.text
    value: str = response.json()["value"]
    return value


def key_headers(value: str) -> dict[str, str]:
    """Control-plane headers for an API key."""
    return {**VERSION, "Api-Key": value}
