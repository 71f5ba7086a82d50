"""`apply --rotate ADDRESS`: a new secret for a live credential whose secret was lost.

A service account's client secret is rotated in place (`rotate-secret`: the old secret and its tokens
are revoked). An API key's value cannot be rotated, so the key is replaced: deleted, then created with
the same name and roles. Either way the new secret is written to the secret sink as soon as its answer
arrives, before any further request, and registered for redaction. Nothing here plans or prints.
"""

from __future__ import annotations

import contextlib
from typing import Any

from declarate import redaction
from declarate.errors import DeclarateError, NotFound
from declarate.model.address import Address, Kind
from declarate.model.canonical import canonical_api_key
from declarate.providers.base import ChangeResult, Outcome, SecretSink
from declarate.providers.pinecone.client import send_create
from declarate.providers.pinecone.session import Session
from declarate.providers.pinecone.wire import api_key_create_body

ROTATABLE = (Kind.API_KEY, Kind.SERVICE_ACCOUNT)


async def rotate_secret(session: Session, address: Address, secrets: SecretSink) -> ChangeResult:
    """Issue a new secret for `address`; FAILED with the reason when it does not exist or is refused."""
    try:
        if address.kind is Kind.SERVICE_ACCOUNT:
            return await _rotate_service_account(session, address, secrets)
        if address.kind is Kind.API_KEY:
            return await _replace_api_key(session, address, secrets)
    except DeclarateError as exc:
        return ChangeResult(address, Outcome.FAILED, redaction.redact(str(exc)))
    return ChangeResult(address, Outcome.FAILED, "only API keys and service accounts have secrets to rotate")


async def _rotate_service_account(session: Session, address: Address, secrets: SecretSink) -> ChangeResult:
    account_id = await session.directory.service_account_id(address.name)
    answer = await session.client.admin(
        "POST", f"/admin/service-accounts/{account_id}/rotate-secret", retry_ambiguous=False
    )
    secret = str(answer["client_secret"])
    redaction.register(secret)
    path = secrets.store(address, "client_secret", secret)
    return ChangeResult(address, Outcome.DONE, "client secret rotated; the old one is revoked", path)


async def _replace_api_key(session: Session, address: Address, secrets: SecretSink) -> ChangeResult:
    project_id = await session.directory.project_id(str(address.project))
    path = f"/admin/projects/{project_id}/api-keys"
    listed = await session.client.admin("GET", path)
    found = [k for k in listed.get("data") or [] if k["name"] == address.name]
    if not found:
        return ChangeResult(address, Outcome.FAILED, "the API key does not exist live")
    attrs = canonical_api_key(found[0])
    for key in found:
        with contextlib.suppress(NotFound):  # already gone
            await session.client.admin("DELETE", f"/admin/api-keys/{key['id']}")

    async def sweep() -> None:
        await session.keys.delete_named(project_id, address.name)

    answer: dict[str, Any] = await send_create(
        lambda: session.client.admin("POST", path, json=api_key_create_body(attrs), retry_ambiguous=False),
        sweep,
        attempts=session.options.create_attempts,
    )
    value = str(answer["value"])
    redaction.register(value)
    written = secrets.store(address, "value", value)
    return ChangeResult(
        address, Outcome.DONE, "API key replaced (same name and roles); the old value is gone", written
    )
