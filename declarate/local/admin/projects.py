"""Admin API: projects (list, create, describe, update, delete).

A project is visible to OrgOwner/OrgManager callers and to callers with a role on it; a project
must hold no indexes, backups or collections to be deleted (412), and its API keys and role
bindings go with it. CMEK, once forced, stays on. No control-plane logic here.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import clock, field_rules
from ..access import can_see_project, require, visible_project
from ..control.index_model import pods_in_use, project_indexes
from ..errors import already_exists, bad_request, failed_precondition
from ..rbac import Perm
from ..routing import Call, Reply
from ..store import Row, Tx


def project_json(row: Row) -> dict[str, Any]:
    """A Project of the Admin API."""
    return {
        "id": row["id"],
        "name": row["name"],
        "max_pods": row["max_pods"],
        "force_encryption_with_cmek": bool(row["cmek"]),
        "organization_id": row["org_id"],
        "created_at": clock.rfc3339(row["created_at"]),
    }


def list_projects(call: Call) -> Reply:
    """GET /admin/projects: the projects the caller can see."""
    principal = call.admin_principal
    with call.ctx.store.read() as tx:
        rows = tx.all("SELECT * FROM projects WHERE org_id = ? ORDER BY seq", (principal.org_id,))
    return Reply(200, {"data": [project_json(row) for row in rows if can_see_project(principal, row["id"])]})


def _check_name_free(tx: Tx, org_id: str, name: str, except_id: str = "") -> None:
    if tx.one("SELECT id FROM projects WHERE org_id = ? AND name = ? AND id != ?", (org_id, name, except_id)):
        raise already_exists(f"A project named '{name}' already exists in this organization.")


def create_project(call: Call) -> Reply:
    """POST /admin/projects (200). The creator becomes ProjectOwner unless it sees every project."""
    principal = call.admin_principal
    require(principal, Perm.PROJECTS_CREATE)
    body = call.body
    field_rules.text_length(body["name"], "name", 1, 512)
    max_pods = body.get("max_pods", 0)
    if max_pods < 0:
        raise bad_request(f"max_pods must be a non-negative integer, got {max_pods}.")
    project_id = str(uuid.uuid4())
    with call.ctx.store.write() as tx:
        _check_name_free(tx, principal.org_id, body["name"])
        tx.insert(
            "projects",
            {
                "id": project_id,
                "org_id": principal.org_id,
                "name": body["name"],
                "max_pods": max_pods,
                "cmek": int(bool(body.get("force_encryption_with_cmek", False))),
                "created_at": call.now,
            },
        )
        if not principal.grants.sees_every_project():
            tx.insert(
                "role_bindings",
                {
                    "id": str(uuid.uuid4()),
                    "org_id": principal.org_id,
                    "principal_type": "service_account",
                    "principal_id": principal.service_account_id,
                    "resource_type": "project",
                    "resource_id": project_id,
                    "role": "ProjectOwner",
                    "created_at": call.now,
                },
            )
        row = tx.one("SELECT * FROM projects WHERE id = ?", (project_id,))
    assert row is not None
    return Reply(200, project_json(row))


def fetch_project(call: Call) -> Reply:
    """GET /admin/projects/{project_id}."""
    with call.ctx.store.read() as tx:
        row = visible_project(tx, call.admin_principal, call.path["project_id"])
    return Reply(200, project_json(row))


def update_project(call: Call) -> Reply:
    """PATCH /admin/projects/{project_id}: name, max_pods, force_encryption_with_cmek (never off)."""
    principal = call.admin_principal
    body = call.body
    settings = call.ctx.settings
    with call.ctx.store.write() as tx:
        row = visible_project(tx, principal, call.path["project_id"])
        require(principal, Perm.PROJECT_UPDATE, row["id"])
        changes: dict[str, Any] = {}
        if body.get("name") is not None:
            field_rules.text_length(body["name"], "name", 1, 512)
            _check_name_free(tx, principal.org_id, body["name"], row["id"])
            changes["name"] = body["name"]
        if body.get("max_pods") is not None:
            max_pods = body["max_pods"]
            used = pods_in_use(tx, row["id"], call.now, settings.ready_after)
            if max_pods < 0:
                raise bad_request(f"max_pods must be a non-negative integer, got {max_pods}.")
            if max_pods < used:
                raise bad_request(f"max_pods cannot be lower than the {used} pods the project's indexes use.")
            changes["max_pods"] = max_pods
        cmek = body.get("force_encryption_with_cmek")
        if cmek is not None:
            if row["cmek"] and not cmek:
                raise bad_request("force_encryption_with_cmek cannot be turned off once it is enabled.")
            changes["cmek"] = int(cmek)
        tx.update("projects", changes, "id = ?", (row["id"],))
        row = visible_project(tx, principal, row["id"])
    return Reply(200, project_json(row))


def delete_project(call: Call) -> Reply:
    """DELETE /admin/projects/{project_id} (202): refused with 412 while the project is not empty."""
    principal = call.admin_principal
    settings = call.ctx.settings
    with call.ctx.store.write() as tx:
        row = visible_project(tx, principal, call.path["project_id"])
        require(principal, Perm.PROJECT_DELETE, row["id"])
        project_id = row["id"]
        indexes = len(project_indexes(tx, project_id, call.now, settings.ready_after))
        backups = tx.scalar("SELECT COUNT(*) FROM backups WHERE project_id = ?", (project_id,))
        collections = tx.scalar("SELECT COUNT(*) FROM collections WHERE project_id = ?", (project_id,))
        if indexes or backups or collections:
            raise failed_precondition(
                f"Project {project_id} is not empty: it holds {indexes} index(es), {backups} backup(s) and "
                f"{collections} collection(s). Delete them before deleting the project."
            )
        keys = [key["id"] for key in tx.all("SELECT id FROM api_keys WHERE project_id = ?", (project_id,))]
        for key_id in keys:
            tx.run(
                "DELETE FROM role_bindings WHERE principal_type = 'api_key' AND principal_id = ?", (key_id,)
            )
        tx.run("DELETE FROM api_keys WHERE project_id = ?", (project_id,))
        tx.run("DELETE FROM role_bindings WHERE resource_type = 'project' AND resource_id = ?", (project_id,))
        tx.run("DELETE FROM indexes WHERE project_id = ?", (project_id,))
        tx.run("DELETE FROM restore_jobs WHERE project_id = ?", (project_id,))
        tx.run("DELETE FROM projects WHERE id = ?", (project_id,))
    return Reply(202)
