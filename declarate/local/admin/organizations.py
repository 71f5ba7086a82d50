"""Admin API: organizations (list, describe, update).

The caller sees only its own organization (another id is 404); reading needs ``org.read``,
renaming ``org.update`` (OrgOwner only). No project or credential logic here.
"""

from __future__ import annotations

from typing import Any

from .. import clock, field_rules
from ..access import require
from ..errors import not_found
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
