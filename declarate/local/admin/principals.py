"""Admin API: service accounts, users and invites (the principals other than API keys).

Service accounts: create (201, ``client_secret`` returned once, stored hashed), rotate-secret
(revokes every token), delete (its role bindings and tokens go with it). Users: list with a
case-insensitive email filter, describe, delete (bindings revoked). Invites: pending and expired
ones are listed; create grants first-class role bindings that move to the user on acceptance
(``POST /_local/invites/{id}/accept``). Nobody may remove the organization's last OrgOwner.
It must not touch projects or API keys.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import auth, clock, field_rules
from ..access import require, require_owner_for_owner
from ..errors import already_exists, bad_request, not_found
from ..pagination import page_request, paginate, pagination_json
from ..rbac import Perm
from ..routing import Call, Reply
from ..store import Row, Tx
from .role_bindings import check_not_last_owner, grant, resolve_scope

INVITE_TTL = 7 * 24 * 3600.0


def service_account_json(row: Row) -> dict[str, Any]:
    """A ServiceAccount of the Admin API (never the secret)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "client_id": row["client_id"],
        "created_at": clock.rfc3339(row["created_at"]),
        "updated_at": clock.rfc3339(row["updated_at"]),
    }


def user_json(row: Row) -> dict[str, Any]:
    """A User of the Admin API (``name`` omitted when unset)."""
    body = {"id": row["id"], "email": row["email"]}
    if row["name"]:
        body["name"] = row["name"]
    return body


def invite_json(row: Row, now: float) -> dict[str, Any]:
    """An Invite of the Admin API, its status derived from the timestamps."""
    if row["processed_at"] is not None:
        status = "processed"
    elif row["expires_at"] <= now:
        status = "expired"
    else:
        status = "pending"
    return {
        "id": row["id"],
        "email": row["email"],
        "status": status,
        "expires_at": clock.rfc3339(row["expires_at"]),
        "processed_at": clock.rfc3339(row["processed_at"]) if row["processed_at"] is not None else None,
        "created_at": clock.rfc3339(row["created_at"]),
    }


def _page_of(call: Call, context: str, rows: list[Row], filters: dict[str, str]) -> tuple[list[Row], Any]:
    page, token = paginate(rows, page_request(call.query, context, filters))
    return page, pagination_json(token)


# --- service accounts ------------------------------------------------------------------------


def _service_account(tx: Tx, call: Call, manage: bool) -> Row:
    principal = call.admin_principal
    account_id = call.path["service_account_id"]
    row = tx.one("SELECT * FROM service_accounts WHERE id = ? AND org_id = ?", (account_id, principal.org_id))
    if row is None:
        raise not_found(f"Service account {account_id} not found.")
    if manage or account_id != principal.service_account_id:
        require(principal, Perm.SERVICE_ACCOUNTS_MANAGE)
    if manage:
        require_owner_for_owner(tx, principal, "service_account", account_id)
    return row


def list_service_accounts(call: Call) -> Reply:
    """GET /admin/service-accounts."""
    principal = call.admin_principal
    require(principal, Perm.SERVICE_ACCOUNTS_MANAGE)
    with call.ctx.store.read() as tx:
        rows = tx.all("SELECT * FROM service_accounts WHERE org_id = ? ORDER BY seq", (principal.org_id,))
    page, pagination = _page_of(call, "list_service_accounts", rows, {})
    return Reply(200, {"data": [service_account_json(row) for row in page], "pagination": pagination})


def create_service_account(call: Call) -> Reply:
    """POST /admin/service-accounts (201) with optional initial role bindings."""
    principal = call.admin_principal
    require(principal, Perm.SERVICE_ACCOUNTS_MANAGE)
    body = call.body
    field_rules.text_length(body["name"], "name", 1, 80)
    bindings = body.get("role_bindings") or []
    if len(bindings) > 100:
        raise bad_request("role_bindings can hold at most 100 entries.")
    secret = auth.new_client_secret()
    account_id = str(uuid.uuid4())
    with call.ctx.store.write() as tx:
        tx.insert(
            "service_accounts",
            {
                "id": account_id,
                "org_id": principal.org_id,
                "name": body["name"],
                "client_id": auth.new_client_id(),
                "secret_hash": auth.hash_secret(secret),
                "created_at": call.now,
                "updated_at": call.now,
            },
        )
        for entry in bindings:
            grant(
                tx,
                principal,
                "service_account",
                account_id,
                resolve_scope(tx, principal, "service_account", entry),
                call.now,
            )
        row = tx.one("SELECT * FROM service_accounts WHERE id = ?", (account_id,))
    assert row is not None
    return Reply(201, {"service_account": service_account_json(row), "client_secret": secret})


def fetch_service_account(call: Call) -> Reply:
    """GET /admin/service-accounts/{service_account_id} (a service account may read itself)."""
    with call.ctx.store.read() as tx:
        return Reply(200, service_account_json(_service_account(tx, call, manage=False)))


def update_service_account(call: Call) -> Reply:
    """PATCH /admin/service-accounts/{service_account_id}: rename."""
    with call.ctx.store.write() as tx:
        row = _service_account(tx, call, manage=True)
        name = call.body.get("name")
        if name is not None:
            field_rules.text_length(name, "name", 1, 80)
            tx.update("service_accounts", {"name": name, "updated_at": call.now}, "id = ?", (row["id"],))
        row = _service_account(tx, call, manage=True)
    return Reply(200, service_account_json(row))


def delete_service_account(call: Call) -> Reply:
    """DELETE /admin/service-accounts/{service_account_id} (202): bindings and tokens go with it."""
    with call.ctx.store.write() as tx:
        row = _service_account(tx, call, manage=True)
        check_not_last_owner(tx, call.admin_principal.org_id, "service_account", row["id"])
        tx.run(
            "DELETE FROM role_bindings WHERE principal_type = 'service_account' AND principal_id = ?",
            (row["id"],),
        )
        tx.run("DELETE FROM tokens WHERE service_account_id = ?", (row["id"],))
        tx.run("DELETE FROM service_accounts WHERE id = ?", (row["id"],))
    return Reply(202)


def rotate_service_account_secret(call: Call) -> Reply:
    """POST /admin/service-accounts/{service_account_id}/rotate-secret: new secret, old tokens revoked."""
    secret = auth.new_client_secret()
    with call.ctx.store.write() as tx:
        row = _service_account(tx, call, manage=True)
        tx.update(
            "service_accounts",
            {"secret_hash": auth.hash_secret(secret), "updated_at": call.now},
            "id = ?",
            (row["id"],),
        )
        tx.run("DELETE FROM tokens WHERE service_account_id = ?", (row["id"],))
        row = _service_account(tx, call, manage=True)
    return Reply(200, {"service_account": service_account_json(row), "client_secret": secret})


# --- users -----------------------------------------------------------------------------------


def list_users(call: Call) -> Reply:
    """GET /admin/users, optionally filtered by email (case-insensitive)."""
    principal = call.admin_principal
    require(principal, Perm.USERS_READ)
    email = call.query.get("email")
    filters: dict[str, str] = {}
    sql, params = "SELECT * FROM users WHERE org_id = ?", [principal.org_id]
    if email is not None:
        field_rules.email(email)
        filters["email"] = email.lower()
        sql += " AND email_key = ?"
        params.append(email.lower())
    with call.ctx.store.read() as tx:
        rows = tx.all(sql + " ORDER BY seq", params)
    page, pagination = _page_of(call, "list_users", rows, filters)
    return Reply(200, {"data": [user_json(row) for row in page], "pagination": pagination})


def _user(tx: Tx, call: Call) -> Row:
    user_id = call.path["user_id"]
    row = tx.one("SELECT * FROM users WHERE id = ? AND org_id = ?", (user_id, call.admin_principal.org_id))
    if row is None:
        raise not_found(f"User {user_id} not found.")
    return row


def fetch_user(call: Call) -> Reply:
    """GET /admin/users/{user_id}."""
    require(call.admin_principal, Perm.USERS_READ)
    with call.ctx.store.read() as tx:
        return Reply(200, user_json(_user(tx, call)))


def delete_user(call: Call) -> Reply:
    """DELETE /admin/users/{user_id} (202): the user's role bindings are revoked."""
    require(call.admin_principal, Perm.USERS_MANAGE)
    with call.ctx.store.write() as tx:
        row = _user(tx, call)
        require_owner_for_owner(tx, call.admin_principal, "user", row["id"])
        check_not_last_owner(tx, call.admin_principal.org_id, "user", row["id"])
        tx.run("DELETE FROM role_bindings WHERE principal_type = 'user' AND principal_id = ?", (row["id"],))
        tx.run("DELETE FROM users WHERE id = ?", (row["id"],))
    return Reply(202)


# --- invites ---------------------------------------------------------------------------------


def list_invites(call: Call) -> Reply:
    """GET /admin/invites: pending and expired invites."""
    principal = call.admin_principal
    require(principal, Perm.INVITES_MANAGE)
    with call.ctx.store.read() as tx:
        rows = tx.all(
            "SELECT * FROM invites WHERE org_id = ? AND processed_at IS NULL ORDER BY seq",
            (principal.org_id,),
        )
    page, pagination = _page_of(call, "list_invites", rows, {})
    return Reply(200, {"data": [invite_json(row, call.now) for row in page], "pagination": pagination})


def create_invite(call: Call) -> Reply:
    """POST /admin/invites (200): needs an organization-membership binding among its role bindings."""
    principal = call.admin_principal
    require(principal, Perm.INVITES_MANAGE)
    email = field_rules.email(call.body["email"])
    bindings = call.body["role_bindings"]
    if not 1 <= len(bindings) <= 100:
        raise bad_request("role_bindings must hold 1-100 entries.")
    if not any(entry.get("resource_type") == "organization" for entry in bindings):
        raise bad_request(
            "role_bindings must include an organization-scoped membership role "
            "(OrgOwner, OrgManager, OrgBillingAdmin or OrgMember)."
        )
    invite_id = str(uuid.uuid4())
    with call.ctx.store.write() as tx:
        if tx.one(
            "SELECT id FROM users WHERE org_id = ? AND email_key = ?", (principal.org_id, email.lower())
        ):
            raise already_exists("This email already belongs to a member of the organization.")
        pending = tx.one(
            "SELECT id FROM invites WHERE org_id = ? AND email_key = ? AND processed_at IS NULL "
            "AND expires_at > ?",
            (principal.org_id, email.lower(), call.now),
        )
        if pending is not None:
            raise already_exists(
                f"A pending invite already exists for this email; its ID is {pending['id']}."
            )
        tx.insert(
            "invites",
            {
                "id": invite_id,
                "org_id": principal.org_id,
                "email": email,
                "email_key": email.lower(),
                "expires_at": call.now + INVITE_TTL,
                "processed_at": None,
                "created_at": call.now,
            },
        )
        for entry in bindings:
            grant(tx, principal, "invite", invite_id, resolve_scope(tx, principal, "invite", entry), call.now)
        row = tx.one("SELECT * FROM invites WHERE id = ?", (invite_id,))
    assert row is not None
    return Reply(200, invite_json(row, call.now))


def _invite(tx: Tx, call: Call) -> Row:
    require(call.admin_principal, Perm.INVITES_MANAGE)
    invite_id = call.path["invite_id"]
    row = tx.one(
        "SELECT * FROM invites WHERE id = ? AND org_id = ?", (invite_id, call.admin_principal.org_id)
    )
    if row is None:
        raise not_found(f"Invite {invite_id} not found.")
    return row


def fetch_invite(call: Call) -> Reply:
    """GET /admin/invites/{invite_id} (processed invites included)."""
    with call.ctx.store.read() as tx:
        return Reply(200, invite_json(_invite(tx, call), call.now))


def delete_invite(call: Call) -> Reply:
    """DELETE /admin/invites/{invite_id} (202): the invite and its role bindings."""
    with call.ctx.store.write() as tx:
        row = _invite(tx, call)
        if row["processed_at"] is not None:
            raise already_exists("The invite has already been accepted; delete the user instead.")
        tx.run("DELETE FROM role_bindings WHERE principal_type = 'invite' AND principal_id = ?", (row["id"],))
        tx.run("DELETE FROM invites WHERE id = ?", (row["id"],))
    return Reply(202)


def resend_invite(call: Call) -> Reply:
    """POST /admin/invites/{invite_id}/resend: pending again for 7 days."""
    with call.ctx.store.write() as tx:
        row = _invite(tx, call)
        if row["processed_at"] is not None:
            raise already_exists("Invite has already been accepted and cannot be resent.")
        tx.update("invites", {"expires_at": call.now + INVITE_TTL}, "id = ?", (row["id"],))
        row = _invite(tx, call)
    return Reply(200, invite_json(row, call.now))
