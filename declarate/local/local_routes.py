"""Local-only routes under ``/_local/`` (not part of Pinecone) and ``/health``.

Test hooks that need the bootstrap owner's bearer token: add an organization member user, accept
an invite (its role bindings move to the new user), seed a pod-based index (2026-07 cannot create
one). Open routes: ``/health``, and the request counters and recorded responses, which read the
app's observers. They exist so tests can reach states the public API cannot; nothing in the
Pinecone-compatible routes depends on them, and they must not be used by declarate itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import catalog, field_rules, rbac
from .admin.principals import user_json
from .control.index_model import index_json, pods_in_use
from .control.indexes import insert_index
from .errors import already_exists, failed_precondition, forbidden, not_found
from .routing import Call, Reply
from .store import Tx


def health(call: Call) -> Reply:
    """GET /health."""
    return Reply(200, {"status": "ok"})


def read_stats(call: Call) -> Reply:
    """GET /_local/stats: requests served per route template and per status."""
    return Reply(200, call.ctx.extras["stats"].snapshot())


def reset_stats(call: Call) -> Reply:
    """DELETE /_local/stats: zero the counters."""
    call.ctx.extras["stats"].reset()
    return Reply(204)


def recorded_responses(call: Call) -> Reply:
    """GET /_local/recorded: responses kept with ``record_responses`` (empty list otherwise)."""
    recorder = call.ctx.extras.get("recorder")
    return Reply(200, {"data": recorder.entries() if recorder else []})


def _new_user(tx: Tx, org_id: str, email: str, name: str | None, now: float) -> dict[str, Any]:
    if tx.one("SELECT id FROM users WHERE org_id = ? AND email_key = ?", (org_id, email.lower())):
        raise already_exists("This email already belongs to a member of the organization.")
    user_id = str(uuid.uuid4())
    tx.insert(
        "users",
        {
            "id": user_id,
            "org_id": org_id,
            "email": email,
            "email_key": email.lower(),
            "name": name,
            "created_at": now,
        },
    )
    row = tx.one("SELECT * FROM users WHERE id = ?", (user_id,))
    assert row is not None
    return row


def add_user(call: Call) -> Reply:
    """POST /_local/users {email, name, role?}: a user with an organization role (OrgMember)."""
    body = call.body
    email = field_rules.email(body["email"])
    role = field_rules.one_of(body.get("role") or "OrgMember", rbac.ORG_ROLES, "role")
    org_id = call.admin_principal.org_id
    with call.ctx.store.write() as tx:
        row = _new_user(tx, org_id, email, body.get("name"), call.now)
        tx.insert(
            "role_bindings",
            {
                "id": str(uuid.uuid4()),
                "org_id": org_id,
                "principal_type": "user",
                "principal_id": row["id"],
                "resource_type": "organization",
                "resource_id": org_id,
                "role": role,
                "created_at": call.now,
            },
        )
    return Reply(201, user_json(row))


def accept_invite(call: Call) -> Reply:
    """POST /_local/invites/{invite_id}/accept: the invite becomes a user, with its role bindings."""
    org_id = call.admin_principal.org_id
    with call.ctx.store.write() as tx:
        invite = tx.one("SELECT * FROM invites WHERE id = ? AND org_id = ?", (call.path["invite_id"], org_id))
        if invite is None:
            raise not_found(f"Invite {call.path['invite_id']} not found.")
        if invite["processed_at"] is not None:
            raise already_exists("Invite has already been accepted.")
        if invite["expires_at"] <= call.now:
            raise failed_precondition("Invite has expired; resend it first.")
        row = _new_user(tx, org_id, invite["email"], None, call.now)
        tx.run(
            "UPDATE role_bindings SET principal_type = 'user', principal_id = ? "
            "WHERE principal_type = 'invite' AND principal_id = ?",
            (row["id"], invite["id"]),
        )
        tx.update("invites", {"processed_at": call.now}, "id = ?", (invite["id"],))
    return Reply(200, user_json(row))


def seed_pod_index(call: Call) -> Reply:
    """POST /_local/pod-indexes: a pod-based index in a project, within its ``max_pods``."""
    body = call.body
    field_rules.resource_name(body["name"])
    field_rules.dimension(body["dimension"])
    metric = body.get("metric") or "cosine"
    field_rules.metric(metric)
    environment = body.get("environment") or catalog.POD_ENVIRONMENTS[0]
    if environment not in catalog.POD_ENVIRONMENTS:
        raise not_found(f"Environment {environment} not found.")
    pod_type = body.get("pod_type") or "p1.x1"
    field_rules.pod_type(pod_type)
    replicas, shards = body.get("replicas") or 1, body.get("shards") or 1
    field_rules.replicas(replicas)
    field_rules.replicas(shards, "shards")
    deployment = {
        "deployment_type": "pod",
        "environment": environment,
        "replicas": replicas,
        "shards": shards,
        "pod_type": pod_type,
    }
    schema: dict[str, Any] = {
        "_values": {"type": "dense_vector", "dimension": body["dimension"], "metric": metric},
        "_sparse_values": {"type": "sparse_vector"},
    }
    for field in (body.get("metadata_config") or {}).get("indexed") or []:
        schema[field] = {"filterable": True}
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        project = tx.one(
            "SELECT * FROM projects WHERE id = ? AND org_id = ?",
            (body["project_id"], call.admin_principal.org_id),
        )
        if project is None:
            raise not_found(f"Project {body['project_id']} not found.")
        used = pods_in_use(tx, project["id"], call.now, ready_after)
        if used + replicas * shards > project["max_pods"]:
            raise forbidden(
                f"The index needs {replicas * shards} pods; the project uses {used} of its "
                f"max_pods {project['max_pods']}."
            )
        row = insert_index(tx, call, project["id"], body["name"], schema, deployment, None, body)
    return Reply(201, index_json(row, call.now, ready_after, fresh=True))
