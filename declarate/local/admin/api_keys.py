"""Admin API: a project's API keys.

List, create (201, the secret ``value`` only in that response and stored hashed), describe, update
(PATCH ``roles`` replaces the whole set) and delete (202). A key's roles are its role bindings
(principal type ``api_key``, scoped to its project), so they also show up in, and can be changed
through, the role-binding endpoints. Roles default to ``["ProjectEditor"]``. Reading keys needs
``api_keys.read`` on the project; changing them ``api_keys.manage``. Secrets never leave this
module except in the create response; nothing here touches the control plane.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import auth, field_rules, rbac
from ..access import require, visible_project
from ..errors import ApiError, bad_request, not_found
from ..rbac import Perm
from ..routing import Call, Reply
from ..store import Row, Tx


def key_roles(tx: Tx, key_id: str) -> list[str]:
    """The roles of an API key, in the order they were granted."""
    rows = tx.all(
        "SELECT role FROM role_bindings WHERE principal_type = 'api_key' AND principal_id = ? ORDER BY seq",
        (key_id,),
    )
    return [row["role"] for row in rows]


def key_json(tx: Tx, row: Row) -> dict[str, Any]:
    """An APIKey of the Admin API (never the secret)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "project_id": row["project_id"],
        "roles": key_roles(tx, row["id"]),
    }


def _roles(raw: list[str]) -> list[str]:
    if not raw:
        raise bad_request("roles must contain at least one role.")
    roles: list[str] = []
    for role in raw:
        field_rules.one_of(role, rbac.API_KEY_ROLES, "API key role")
        if role not in roles:
            roles.append(role)
    return roles


def grant_key_role(tx: Tx, org_id: str, key_row: Row, role: str, now: float) -> str:
    """Bind one role to an API key; the binding id."""
    binding_id = str(uuid.uuid4())
    tx.insert(
        "role_bindings",
        {
            "id": binding_id,
            "org_id": org_id,
            "principal_type": "api_key",
            "principal_id": key_row["id"],
            "resource_type": "project",
            "resource_id": key_row["project_id"],
            "role": role,
            "created_at": now,
        },
    )
    return binding_id


def _key(tx: Tx, call: Call, perm: Perm) -> tuple[Row, Row]:
    """The key row and its project row, if the caller can see them and holds ``perm``."""
    principal = call.admin_principal
    key_id = call.path["api_key_id"]
    row = tx.one("SELECT * FROM api_keys WHERE id = ?", (key_id,))
    if row is None:
        raise not_found(f"API key {key_id} not found.")
    try:
        project = visible_project(tx, principal, row["project_id"])
    except ApiError:
        raise not_found(f"API key {key_id} not found.") from None
    require(principal, perm, project["id"])
    return row, project


def list_project_api_keys(call: Call) -> Reply:
    """GET /admin/projects/{project_id}/api-keys."""
    principal = call.admin_principal
    with call.ctx.store.read() as tx:
        project = visible_project(tx, principal, call.path["project_id"])
        require(principal, Perm.API_KEYS_READ, project["id"])
        rows = tx.all("SELECT * FROM api_keys WHERE project_id = ? ORDER BY seq", (project["id"],))
        return Reply(200, {"data": [key_json(tx, row) for row in rows]})


def create_api_key(call: Call) -> Reply:
    """POST /admin/projects/{project_id}/api-keys (201)."""
    principal = call.admin_principal
    body = call.body
    field_rules.text_length(body["name"], "name", 1, 80)
    raw_roles = body.get("roles")
    roles = _roles(raw_roles) if raw_roles is not None else list(rbac.DEFAULT_API_KEY_ROLES)
    value = auth.new_api_key_value()
    with call.ctx.store.write() as tx:
        project = visible_project(tx, principal, call.path["project_id"])
        require(principal, Perm.API_KEYS_MANAGE, project["id"])
        key_id = str(uuid.uuid4())
        tx.insert(
            "api_keys",
            {
                "id": key_id,
                "project_id": project["id"],
                "name": body["name"],
                "value_hash": auth.hash_secret(value),
                "created_at": call.now,
            },
        )
        row = tx.one("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        assert row is not None
        for role in roles:
            grant_key_role(tx, principal.org_id, row, role, call.now)
        return Reply(201, {"key": key_json(tx, row), "value": value})


def fetch_api_key(call: Call) -> Reply:
    """GET /admin/api-keys/{api_key_id}."""
    with call.ctx.store.read() as tx:
        row, _ = _key(tx, call, Perm.API_KEYS_READ)
        return Reply(200, key_json(tx, row))


def update_api_key(call: Call) -> Reply:
    """PATCH /admin/api-keys/{api_key_id}: rename, and/or replace the set of roles."""
    body = call.body
    with call.ctx.store.write() as tx:
        row, _ = _key(tx, call, Perm.API_KEYS_MANAGE)
        if body.get("name") is not None:
            field_rules.text_length(body["name"], "name", 1, 80)
            tx.update("api_keys", {"name": body["name"]}, "id = ?", (row["id"],))
        if body.get("roles") is not None:
            wanted = _roles(body["roles"])
            current = key_roles(tx, row["id"])
            for role in current:
                if role not in wanted:
                    tx.run(
                        "DELETE FROM role_bindings WHERE principal_type = 'api_key' AND principal_id = ? "
                        "AND role = ?",
                        (row["id"], role),
                    )
            for role in wanted:
                if role not in current:
                    grant_key_role(tx, call.admin_principal.org_id, row, role, call.now)
        updated = tx.one("SELECT * FROM api_keys WHERE id = ?", (row["id"],))
        assert updated is not None
        return Reply(200, key_json(tx, updated))


def delete_api_key(call: Call) -> Reply:
    """DELETE /admin/api-keys/{api_key_id} (202)."""
    with call.ctx.store.write() as tx:
        row, _ = _key(tx, call, Perm.API_KEYS_MANAGE)
        tx.run(
            "DELETE FROM role_bindings WHERE principal_type = 'api_key' AND principal_id = ?", (row["id"],)
        )
        tx.run("DELETE FROM api_keys WHERE id = ?", (row["id"],))
    return Reply(202)
