"""Credentials and principals: secrets, OAuth access tokens, API keys, and who is calling.

Secrets (API key values, client secrets, access tokens) are generated here, returned once by the
handlers, and stored only as SHA-256 hashes (they are long random strings, so a plain hash is
enough). ``admin_principal`` and ``key_principal`` turn a request's credential into the caller with
its grants. This module reads the store inside a transaction it is given; it must not build HTTP
responses or decide what an operation requires (that is ``rbac`` plus the handlers).
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass

from . import rbac
from .errors import unauthenticated
from .store import Tx

_ALPHANUMERIC = string.ascii_letters + string.digits


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def new_client_id() -> str:
    """An OAuth client id (32 alphanumerics, like the real ones)."""
    return _random(32)


def new_client_secret() -> str:
    """An OAuth client secret."""
    return _random(64)


def new_api_key_value() -> str:
    """An API key secret: ``pckey_<public-label>_<unique-key>``."""
    return f"pckey_{_random(6)}_{_random(40)}"


def new_access_token() -> str:
    """An opaque OAuth access token."""
    return f"pclt_{secrets.token_urlsafe(40)}"


@dataclass(frozen=True)
class AdminPrincipal:
    """A service account calling the Admin API with a bearer token."""

    service_account_id: str
    org_id: str
    grants: rbac.Grants
    is_bootstrap: bool


@dataclass(frozen=True)
class KeyPrincipal:
    """An API key calling the control plane."""

    api_key_id: str
    project_id: str
    permissions: frozenset[rbac.Perm]


def bindings_of(tx: Tx, principal_type: str, principal_id: str) -> list[tuple[str, str, str]]:
    """``(resource_type, resource_id, role)`` of every binding of a principal."""
    rows = tx.all(
        "SELECT resource_type, resource_id, role FROM role_bindings "
        "WHERE principal_type = ? AND principal_id = ? ORDER BY seq",
        (principal_type, principal_id),
    )
    return [(row["resource_type"], row["resource_id"], row["role"]) for row in rows]


def issue_token(tx: Tx, service_account_id: str, now: float, ttl: float) -> str:
    """Mint an access token for a service account; expired tokens are purged on the way."""
    tx.run("DELETE FROM tokens WHERE expires_at <= ?", (now,))
    token = new_access_token()
    tx.insert(
        "tokens",
        {"token_hash": hash_secret(token), "service_account_id": service_account_id, "expires_at": now + ttl},
    )
    return token


def service_account_for_credentials(tx: Tx, client_id: str, client_secret: str) -> str | None:
    """The id of the service account these client credentials belong to, or ``None``."""
    row = tx.one("SELECT id, secret_hash FROM service_accounts WHERE client_id = ?", (client_id,))
    if row is None or not secrets.compare_digest(row["secret_hash"], hash_secret(client_secret)):
        return None
    return str(row["id"])


def admin_principal(tx: Tx, authorization: str | None, now: float) -> AdminPrincipal:
    """The service account behind an ``Authorization: Bearer`` header, else 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthenticated("Missing bearer token: send Authorization: Bearer <access token>.")
    token = authorization[7:].strip()
    row = tx.one(
        "SELECT t.service_account_id AS sa_id, t.expires_at AS expires_at, s.org_id AS org_id "
        "FROM tokens t JOIN service_accounts s ON s.id = t.service_account_id WHERE t.token_hash = ?",
        (hash_secret(token),),
    )
    if row is None:
        raise unauthenticated("Invalid access token.")
    if row["expires_at"] <= now:
        raise unauthenticated("Access token expired.")
    sa_id = str(row["sa_id"])
    grants = rbac.grants_from_bindings(bindings_of(tx, "service_account", sa_id))
    return AdminPrincipal(
        service_account_id=sa_id,
        org_id=str(row["org_id"]),
        grants=grants,
        is_bootstrap=tx.get_meta("bootstrap_service_account_id") == sa_id,
    )


def key_principal(tx: Tx, api_key: str | None) -> KeyPrincipal | None:
    """The API key behind an ``Api-Key`` header, or ``None`` when it is missing or unknown."""
    if not api_key:
        return None
    row = tx.one("SELECT id, project_id FROM api_keys WHERE value_hash = ?", (hash_secret(api_key),))
    if row is None:
        return None
    roles = [role for _, _, role in bindings_of(tx, "api_key", str(row["id"]))]
    return KeyPrincipal(
        api_key_id=str(row["id"]),
        project_id=str(row["project_id"]),
        permissions=rbac.api_key_permissions(roles),
    )
