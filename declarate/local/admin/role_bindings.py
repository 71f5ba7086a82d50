"""Admin API: role bindings, and the rules every grant of a role follows.

Role bindings are immutable (a role change is a create then a delete); an identical binding is 409
ALREADY_EXISTS; organization roles bind at organization scope and project roles at project scope;
API keys hold only access roles on their own project. Deleting the last OrgOwner binding, or a
user's (or pending invite's) last organization-membership binding, is 409 ABORTED. Listing
filters by principal, resource and role, with cursor pagination. Service accounts and invites
create their initial bindings through ``grant``. It must not render or touch other resources.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import clock, field_rules, rbac
from ..access import require, visible_project
from ..auth import AdminPrincipal
from ..errors import aborted, already_exists, bad_request, not_found
from ..pagination import page_request, paginate, pagination_json
from ..rbac import Perm
from ..routing import Call, Reply
from ..store import Row, Tx


def binding_json(row: Row) -> dict[str, Any]:
    """A RoleBinding of the Admin API."""
    return {
        "id": row["id"],
        "principal_type": row["principal_type"],
        "principal_id": row["principal_id"],
        "resource_type": row["resource_type"],
        "resource_id": row["resource_id"],
        "role": row["role"],
        "created_at": clock.rfc3339(row["created_at"]),
    }


def resolve_scope(
    tx: Tx, principal: AdminPrincipal, principal_type: str, entry: dict[str, Any]
) -> tuple[str, str, str]:
    """Check a binding request's scope and role; ``(resource_type, resource_id, role)``."""
    resource_type = field_rules.one_of(entry["resource_type"], rbac.RESOURCE_TYPES, "resource_type")
    role = field_rules.one_of(entry["role"], rbac.ALL_ROLES, "role")
    if rbac.scope_of(role) != resource_type:
        raise bad_request(
            f"Role {role} can only be bound at {rbac.scope_of(role)} scope, not {resource_type}."
        )
    if principal_type == "api_key" and role not in rbac.API_KEY_ROLES:
        raise bad_request(f"Role {role} cannot be granted to an API key.")
    resource_id = entry.get("resource_id")
    if resource_type == "organization":
        if resource_id is not None and resource_id != principal.org_id:
            raise bad_request(
                f"resource_id {resource_id} is not this organization; omit it for organization scope."
            )
        return resource_type, principal.org_id, role
    if not resource_id:
        raise bad_request("resource_id is required for project scope.")
    visible_project(tx, principal, resource_id)
    return resource_type, resource_id, role


def require_grant(
    principal: AdminPrincipal, principal_type: str, resource_type: str, resource_id: str, role: str
) -> None:
    """403 unless the caller may grant (or revoke) ``role`` at this scope."""
    if resource_type == "organization":
        require(principal, Perm.ORG_BINDINGS_MANAGE)
        if role == "OrgOwner":
            require(principal, Perm.GRANT_ORG_OWNER)
    elif principal_type == "api_key":
        require(principal, Perm.API_KEYS_MANAGE, resource_id)
    else:
        require(principal, Perm.PROJECT_BINDINGS_MANAGE, resource_id)


def grant(
    tx: Tx,
    principal: AdminPrincipal,
    principal_type: str,
    principal_id: str,
    scope: tuple[str, str, str],
    now: float,
) -> Row:
    """Insert one binding (409 when an identical one exists); the new row."""
    resource_type, resource_id, role = scope
    require_grant(principal, principal_type, resource_type, resource_id, role)
    duplicate = tx.one(
        "SELECT id FROM role_bindings WHERE principal_type = ? AND principal_id = ? AND resource_type = ? "
        "AND resource_id = ? AND role = ?",
        (principal_type, principal_id, resource_type, resource_id, role),
    )
    if duplicate is not None:
        raise already_exists("A role binding with these attributes already exists.")
    binding_id = str(uuid.uuid4())
    tx.insert(
        "role_bindings",
        {
            "id": binding_id,
            "org_id": principal.org_id,
            "principal_type": principal_type,
            "principal_id": principal_id,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "role": role,
            "created_at": now,
        },
    )
    row = tx.one("SELECT * FROM role_bindings WHERE id = ?", (binding_id,))
    assert row is not None
    return row


def check_not_last_owner(tx: Tx, org_id: str, principal_type: str, principal_id: str) -> None:
    """409 when removing this principal would leave the organization without an OrgOwner."""
    owners = tx.all(
        "SELECT principal_type, principal_id FROM role_bindings WHERE org_id = ? "
        "AND resource_type = 'organization' AND role = 'OrgOwner'",
        (org_id,),
    )
    others = [o for o in owners if (o["principal_type"], o["principal_id"]) != (principal_type, principal_id)]
    if owners and not others:
        raise aborted("Cannot delete the last OrgOwner role binding for this organization.")


def _principal_exists(
    tx: Tx, principal: AdminPrincipal, principal_type: str, principal_id: str, resource_id: str
) -> None:
    if principal_type == "user":
        row = tx.one("SELECT id FROM users WHERE id = ? AND org_id = ?", (principal_id, principal.org_id))
    elif principal_type == "service_account":
        row = tx.one(
            "SELECT id FROM service_accounts WHERE id = ? AND org_id = ?", (principal_id, principal.org_id)
        )
    elif principal_type == "invite":
        row = tx.one(
            "SELECT id, processed_at FROM invites WHERE id = ? AND org_id = ?",
            (principal_id, principal.org_id),
        )
        if row is not None and row["processed_at"] is not None:
            raise already_exists(
                "The invite has already been accepted; manage role bindings on the resulting user instead."
            )
    else:
        row = tx.one("SELECT project_id FROM api_keys WHERE id = ?", (principal_id,))
        if row is not None and row["project_id"] != resource_id:
            raise bad_request("An API key can only hold roles on its own project.")
    if row is None:
        raise not_found(f"Principal {principal_type} {principal_id} not found.")


def create_role_binding(call: Call) -> Reply:
    """POST /admin/role-bindings (200)."""
    principal = call.admin_principal
    body = call.body
    principal_type = field_rules.one_of(body["principal_type"], rbac.PRINCIPAL_TYPES, "principal_type")
    with call.ctx.store.write() as tx:
        scope = resolve_scope(tx, principal, principal_type, body)
        _principal_exists(tx, principal, principal_type, body["principal_id"], scope[1])
        row = grant(tx, principal, principal_type, body["principal_id"], scope, call.now)
    return Reply(200, binding_json(row))


def can_read_binding(principal: AdminPrincipal, row: Row) -> bool:
    """Whether the caller may see a binding."""
    grants = principal.grants
    if grants.can(Perm.ROLE_BINDINGS_READ):
        return True
    if (row["principal_type"], row["principal_id"]) == ("service_account", principal.service_account_id):
        return True
    if row["resource_type"] != "project":
        return False
    if row["principal_type"] == "api_key":
        return grants.can(Perm.API_KEYS_READ, row["resource_id"])
    return grants.can(Perm.PROJECT_BINDINGS_READ, row["resource_id"])


def _binding(tx: Tx, call: Call) -> Row:
    binding_id = call.path["role_binding_id"]
    row = tx.one(
        "SELECT * FROM role_bindings WHERE id = ? AND org_id = ?", (binding_id, call.admin_principal.org_id)
    )
    if row is None or not can_read_binding(call.admin_principal, row):
        raise not_found(f"Role binding {binding_id} not found.")
    return row


def fetch_role_binding(call: Call) -> Reply:
    """GET /admin/role-bindings/{role_binding_id}."""
    with call.ctx.store.read() as tx:
        return Reply(200, binding_json(_binding(tx, call)))


def delete_role_binding(call: Call) -> Reply:
    """DELETE /admin/role-bindings/{role_binding_id} (202), guarding the last owner and memberships."""
    principal = call.admin_principal
    with call.ctx.store.write() as tx:
        row = _binding(tx, call)
        require_grant(principal, row["principal_type"], row["resource_type"], row["resource_id"], row["role"])
        if row["role"] == "OrgOwner":
            owners = tx.scalar(
                "SELECT COUNT(*) FROM role_bindings WHERE org_id = ? AND role = 'OrgOwner' "
                "AND resource_type = 'organization'",
                (principal.org_id,),
            )
            if owners <= 1:
                raise aborted("Cannot delete the last OrgOwner role binding for this organization.")
        if row["resource_type"] == "organization" and row["principal_type"] in ("user", "invite"):
            memberships = tx.scalar(
                "SELECT COUNT(*) FROM role_bindings WHERE principal_type = ? AND principal_id = ? "
                "AND resource_type = 'organization'",
                (row["principal_type"], row["principal_id"]),
            )
            if memberships <= 1 and row["principal_type"] == "user":
                raise aborted("Cannot delete the last organization-membership role binding for this user.")
            if memberships <= 1:
                raise aborted(
                    "Cannot delete the last organization-membership role binding for a pending invite; "
                    "delete the invite instead."
                )
        tx.run("DELETE FROM role_bindings WHERE id = ?", (row["id"],))
    return Reply(202)


_FILTERS = ("principal_type", "principal_id", "resource_type", "resource_id", "role")


def list_role_bindings(call: Call) -> Reply:
    """GET /admin/role-bindings with every filter (AND-combined) and pagination."""
    principal = call.admin_principal
    filters = {name: call.query[name] for name in _FILTERS if call.query.get(name)}
    if "principal_id" in filters and "principal_type" not in filters:
        raise bad_request("principal_id requires principal_type.")
    if "resource_id" in filters and "resource_type" not in filters:
        raise bad_request("resource_id requires resource_type.")
    allowed = {
        "principal_type": rbac.PRINCIPAL_TYPES,
        "resource_type": rbac.RESOURCE_TYPES,
        "role": rbac.ALL_ROLES,
    }
    for name, values in allowed.items():
        if name in filters:
            field_rules.one_of(filters[name], values, name)
    request = page_request(call.query, "list_role_bindings", filters)
    where = " AND ".join(f"{name} = ?" for name in filters)
    sql = (
        "SELECT * FROM role_bindings WHERE org_id = ?" + (f" AND {where}" if where else "") + " ORDER BY seq"
    )
    with call.ctx.store.read() as tx:
        rows = tx.all(sql, (principal.org_id, *filters.values()))
    visible = [row for row in rows if can_read_binding(principal, row)]
    page, token = paginate(visible, request)
    return Reply(200, {"data": [binding_json(row) for row in page], "pagination": pagination_json(token)})
