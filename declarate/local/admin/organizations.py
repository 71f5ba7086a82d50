"""Admin API: organizations (list, describe, update, delete).

The caller sees only its own organization (another id is 404); reading needs ``org.read``,
renaming ``org.update`` and deleting ``org.delete`` (OrgOwner only). Deleting needs every project
deleted first (412) and takes the organization's members, service accounts, invites, role
bindings and tokens with it; the bootstrap record is cleared so the next start of the instance
bootstraps a new organization and owner. No project or index logic here.
"""

from __future__ import annotations

from typing import Any

from .. import clock, field_rules
from ..access import require
from ..errors import failed_precondition, not_found
from ..rbac import Perm
from ..routing import Call, Reply
from ..store import Row, Tx


def organization_json(row: Row) -> dict[str, Any]:
    """An Organization of the Admin API."""
    return {
        "id": row["id"],
        "name": row["name"],
        "plan": row["plan"],
        "payment_status": row["payment_status"],
        "created_at": clock.rfc3339(row["created_at"]),
        "support_tier": row["support_tier"],
    }


def _organization(tx: Tx, call: Call, organization_id: str) -> Row:
    principal = call.admin_principal
    row = tx.one("SELECT * FROM organizations WHERE id = ?", (organization_id,))
    if row is None or organization_id != principal.org_id:
        raise not_found(f"Organization {organization_id} not found.")
    return row


def list_organizations(call: Call) -> Reply:
    """GET /admin/organizations: the caller's organization, if it is a member (holds org.read)."""
    principal = call.admin_principal
    if not principal.grants.can(Perm.ORG_READ):
        return Reply(200, {"data": []})
    with call.ctx.store.read() as tx:
        row = tx.one("SELECT * FROM organizations WHERE id = ?", (principal.org_id,))
    return Reply(200, {"data": [organization_json(row)] if row else []})


def fetch_organization(call: Call) -> Reply:
    """GET /admin/organizations/{organization_id}."""
    with call.ctx.store.read() as tx:
        row = _organization(tx, call, call.path["organization_id"])
    require(call.admin_principal, Perm.ORG_READ)
    return Reply(200, organization_json(row))


def update_organization(call: Call) -> Reply:
    """PATCH /admin/organizations/{organization_id}: rename."""
    with call.ctx.store.write() as tx:
        row = _organization(tx, call, call.path["organization_id"])
        require(call.admin_principal, Perm.ORG_UPDATE)
        name = call.body.get("name")
        if name is not None:
            field_rules.text_length(name, "name", 1, 512)
            tx.update("organizations", {"name": name}, "id = ?", (row["id"],))
        row = _organization(tx, call, row["id"])
    return Reply(200, organization_json(row))


def delete_organization(call: Call) -> Reply:
    """DELETE /admin/organizations/{organization_id} (202): only when it holds no project."""
    with call.ctx.store.write() as tx:
        row = _organization(tx, call, call.path["organization_id"])
        require(call.admin_principal, Perm.ORG_DELETE)
        projects = tx.scalar("SELECT COUNT(*) FROM projects WHERE org_id = ?", (row["id"],))
        if projects:
            raise failed_precondition(
                f"Organization {row['id']} still holds {projects} project(s): delete all its projects first."
            )
        accounts = [r["id"] for r in tx.all("SELECT id FROM service_accounts WHERE org_id = ?", (row["id"],))]
        for account_id in accounts:
            tx.run("DELETE FROM tokens WHERE service_account_id = ?", (account_id,))
        for table in ("role_bindings", "invites", "users", "service_accounts"):
            tx.run(f"DELETE FROM {table} WHERE org_id = ?", (row["id"],))
        tx.run("DELETE FROM organizations WHERE id = ?", (row["id"],))
        if tx.get_meta("organization_id") == row["id"]:
            tx.run(
                "DELETE FROM meta WHERE key IN "
                "('organization_id', 'bootstrap_service_account_id', 'bootstrap_client_secret')"
            )
    return Reply(202)
