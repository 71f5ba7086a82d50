"""First requests of a script or test against a local target: the owner's token, a project and its key.

Raw HTTP over any ``httpx.AsyncClient`` (the embedded transport in process, or a served URL), in the
2026-07 API's own shapes, so a benchmark or a test that needs "a project key to write records with"
says so in one line instead of repeating the OAuth body and the Admin calls. It answers what the
server answered: a refusal raises ``httpx.HTTPStatusError``. No rules of the control plane here.
"""

from __future__ import annotations

from typing import Any

import httpx

from .settings import EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET

API_VERSION_HEADERS = {"X-Pinecone-Api-Version": "2026-07"}
AUDIENCE = "https://api.pinecone.io/"


def token_request(client_id: str, client_secret: str) -> dict[str, str]:
    """The body of ``POST /oauth/token`` for a service account's client credentials."""
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "audience": AUDIENCE,
    }


async def owner_headers(
    client: httpx.AsyncClient,
    client_id: str = EMBEDDED_CLIENT_ID,
    client_secret: str = EMBEDDED_CLIENT_SECRET,
) -> dict[str, str]:
    """Admin API headers with a bearer token for these credentials (the embedded owner's by default)."""
    answer = await client.post("/oauth/token", json=token_request(client_id, client_secret))
    answer.raise_for_status()
    return {**API_VERSION_HEADERS, "Authorization": f"Bearer {answer.json()['access_token']}"}


async def project_with_key(
    client: httpx.AsyncClient, owner: dict[str, str], name: str, roles: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A new project and the headers of a new API key of it (``ProjectEditor`` unless ``roles``)."""
    created = await client.post("/admin/projects", json={"name": name}, headers=owner)
    created.raise_for_status()
    project: dict[str, Any] = created.json()
    body: dict[str, Any] = {"name": name} if roles is None else {"name": name, "roles": roles}
    key = await client.post(f"/admin/projects/{project['id']}/api-keys", json=body, headers=owner)
    key.raise_for_status()
    return project, {**API_VERSION_HEADERS, "Api-Key": key.json()["value"]}
