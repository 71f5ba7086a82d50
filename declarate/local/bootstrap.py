"""First-start setup: the one organization and its OrgOwner service account.

Run on every start: it creates what is missing and makes the bootstrap service account match the
configured client id and secret (generated once when none is configured). The generated secret is
kept in the data file's ``meta`` table so ``serve`` can print it again on restart: treat a data file
as a credential. It must not serve requests or know about HTTP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from . import auth, clock
from .settings import EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET, LocalSettings
from .store import Store, Tx

BOOTSTRAP_SERVICE_ACCOUNT_NAME = "declarate-local-owner"


@dataclass(frozen=True)
class Bootstrap:
    """The organization and the owner credentials of a local control plane."""

    organization_id: str
    service_account_id: str
    client_id: str
    client_secret: str


def _organization(tx: Tx, settings: LocalSettings, now: float) -> str:
    org_id = tx.get_meta("organization_id")
    if org_id is not None:
        return org_id
    org_id = str(uuid.uuid4())
    tx.insert(
        "organizations",
        {
            "id": org_id,
            "name": settings.organization_name,
            "plan": "Enterprise",
            "payment_status": "Active",
            "support_tier": "Enterprise",
            "created_at": now,
        },
    )
    tx.set_meta("organization_id", org_id)
    return org_id


def ensure_bootstrap(store: Store, settings: LocalSettings) -> Bootstrap:
    """Create or reconcile the organization and the bootstrap OrgOwner service account."""
    now = clock.now()
    with store.write() as tx:
        org_id = _organization(tx, settings, now)
        sa_id = tx.get_meta("bootstrap_service_account_id")
        row = tx.one("SELECT * FROM service_accounts WHERE id = ?", (sa_id,)) if sa_id else None
        client_id = settings.client_id or (str(row["client_id"]) if row else auth.new_client_id())
        remembered = tx.get_meta("bootstrap_client_secret") if row else None
        if settings.refuse_embedded_credentials and row is not None:
            # A data file the embedded target created: serve it under fresh credentials, and
            # revoke the tokens issued under the public ones.
            if client_id == EMBEDDED_CLIENT_ID:
                client_id = auth.new_client_id()
            if remembered == EMBEDDED_CLIENT_SECRET:
                remembered = None
                tx.run("DELETE FROM tokens WHERE service_account_id = ?", (sa_id,))
        secret = settings.client_secret or remembered or auth.new_client_secret()
        clash = tx.one(
            "SELECT id FROM service_accounts WHERE client_id = ? AND id != ?", (client_id, sa_id or "")
        )
        if clash is not None:
            raise ValueError(f"client id {client_id!r} already belongs to another service account")
        if row is None:
            sa_id = str(uuid.uuid4())
            tx.insert(
                "service_accounts",
                {
                    "id": sa_id,
                    "org_id": org_id,
                    "name": BOOTSTRAP_SERVICE_ACCOUNT_NAME,
                    "client_id": client_id,
                    "secret_hash": auth.hash_secret(secret),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            tx.set_meta("bootstrap_service_account_id", sa_id)
        else:
            assert sa_id is not None
            tx.update(
                "service_accounts",
                {"client_id": client_id, "secret_hash": auth.hash_secret(secret)},
                "id = ?",
                (sa_id,),
            )
        owner = tx.one(
            "SELECT id FROM role_bindings WHERE principal_type = 'service_account' "
            "AND principal_id = ? AND resource_type = 'organization' AND role = 'OrgOwner'",
            (sa_id,),
        )
        if owner is None:
            tx.insert(
                "role_bindings",
                {
                    "id": str(uuid.uuid4()),
                    "org_id": org_id,
                    "principal_type": "service_account",
                    "principal_id": sa_id,
                    "resource_type": "organization",
                    "resource_id": org_id,
                    "role": "OrgOwner",
                    "created_at": now,
                },
            )
        tx.set_meta("bootstrap_client_secret", secret)
    return Bootstrap(
        organization_id=org_id, service_account_id=sa_id, client_id=client_id, client_secret=secret
    )
