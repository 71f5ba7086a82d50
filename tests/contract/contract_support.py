"""Helpers shared by the contract tests: unique names and raw-HTTP credentials."""

from __future__ import annotations

import itertools
import uuid

import httpx
from pinecone import Pinecone

from declarate.local.serve import ServerHandle

_counter = itertools.count()


def unique(prefix: str) -> str:
    """A name no other test uses (lower case, index-name safe)."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


def bearer(
    server: ServerHandle, client_id: str | None = None, client_secret: str | None = None
) -> dict[str, str]:
    """Headers with a fresh access token (the owner's by default) and the API version."""
    response = httpx.post(
        server.oauth_url,
        json={
            "client_id": client_id or server.client_id,
            "client_secret": client_secret or server.client_secret,
            "grant_type": "client_credentials",
            "audience": "https://api.pinecone.io/",
        },
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}", "X-Pinecone-Api-Version": "2026-07"}


def api_key_headers(pc: Pinecone) -> dict[str, str]:
    """Raw headers for the key a Pinecone client uses."""
    return {"Api-Key": pc.config.api_key, "X-Pinecone-Api-Version": "2026-07"}
