"""Control plane: indexes (list, create, create-for-model, describe, configure, delete).

Every call acts within the calling API key's project and roles. Create answers 201 with the index
Initializing and its host already set; configure answers 200 (tags merge, deletion protection,
read capacity, pod replicas/size, semantic_text parameters); delete answers 202 with an empty
body, 403 under deletion protection, 412 while a collection from the index is pending. Rules live
in ``index_config``, rows and rendering in ``index_model``; this module must not reach another project's rows.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .. import catalog, field_rules
from ..access import require_control
from ..data import records
from ..errors import already_exists, bad_request, failed_precondition, forbidden, not_found
from ..routing import Call, Reply
from ..store import Row, Tx, dumps, loads
from . import index_config
from .backup_schedules import catch_up
from .index_model import (
    capacity_state,
    find_index,
    index_host,
    index_json,
    pods_in_use,
    project_indexes,
    purge_gone,
    settled,
)


def _project(tx: Tx, project_id: str) -> Row:
    row = tx.one("SELECT * FROM projects WHERE id = ?", (project_id,))
    if row is None:
        raise not_found(f"Project {project_id} not found.")
    return row


def _index(tx: Tx, call: Call, name: str) -> Row:
    row = find_index(tx, call.key_principal.project_id, name, call.now, call.ctx.settings.ready_after)
    if row is None:
        raise not_found(f"Index {name} not found.")
    return row


def list_indexes(call: Call) -> Reply:
    """GET /indexes."""
    require_control(call.key_principal, write=False, action="control::indexes::list")
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.read() as tx:
        rows = project_indexes(tx, call.key_principal.project_id, call.now, ready_after)
    return Reply(200, {"indexes": [index_json(row, call.now, ready_after) for row in rows]})


def describe_index(call: Call) -> Reply:
    """GET /indexes/{index_name}."""
    require_control(call.key_principal, write=False, action="control::indexes::describe")
    with call.ctx.store.read() as tx:
        row = _index(tx, call, call.path["index_name"])
    return Reply(200, index_json(row, call.now, call.ctx.settings.ready_after))


def insert_index(
    tx: Tx,
    call: Call,
    project_id: str,
    name: str,
    schema: dict[str, Any],
    deployment: dict[str, Any],
    read_capacity: dict[str, Any] | None,
    body: dict[str, Any],
    **extra: Any,
) -> Row:
    """Store a new index in a project (409 when the name is taken); the new row."""
    purge_gone(tx, call.now, call.ctx.settings.ready_after)
    if find_index(tx, project_id, name, call.now, call.ctx.settings.ready_after) is not None:
        raise already_exists("Resource already exists.")
    index_id = str(uuid.uuid4())
    tx.insert(
        "indexes",
        {
            "id": index_id,
            "project_id": project_id,
            "name": name,
            "host": index_host(name, project_id, index_config.environment(deployment)),
            "schema": dumps(schema),
            "deployment": dumps(deployment),
            "read_capacity": dumps(read_capacity),
            "tags": dumps(field_rules.new_tags(body.get("tags"))),
            "deletion_protection": field_rules.deletion_protection(
                body.get("deletion_protection") or "disabled"
            ),
            "created_at": call.now,
            **extra,
        },
    )
    row = tx.one("SELECT * FROM indexes WHERE id = ?", (index_id,))
    assert row is not None
    return row


def create_index(call: Call) -> Reply:
    """POST /indexes (201)."""
    require_control(call.key_principal, write=True, action="control::indexes::create")
    body = call.body
    name = body.get("name") or f"index-{uuid.uuid4().hex[:8]}"
    field_rules.resource_name(name)
    deployment = index_config.create_deployment(body.get("deployment"))
    read_capacity = index_config.create_read_capacity(body.get("read_capacity"), deployment)
    with call.ctx.store.write() as tx:
        project = _project(tx, call.key_principal.project_id)
        schema = index_config.create_schema(
            body["schema"]["fields"], body.get("cmek_id"), bool(project["cmek"])
        )
        row = insert_index(
            tx,
            call,
            project["id"],
            name,
            schema,
            deployment,
            read_capacity,
            body,
            cmek_id=body.get("cmek_id"),
        )
    return Reply(201, index_json(row, call.now, call.ctx.settings.ready_after, fresh=True))


def create_index_for_model(call: Call) -> Reply:
    """POST /indexes/create-for-model (201): the embedding surfaces as a semantic_text field."""
    require_control(call.key_principal, write=True, action="control::indexes::create")
    body = call.body
    field_rules.resource_name(body["name"])
    deployment = index_config.create_deployment(
        {"deployment_type": "managed", "cloud": body["cloud"], "region": body["region"]}
    )
    read_capacity = index_config.create_read_capacity(body.get("read_capacity"), deployment)
    schema = index_config.model_schema(body["embed"], body.get("schema"))
    with call.ctx.store.write() as tx:
        row = insert_index(
            tx, call, call.key_principal.project_id, body["name"], schema, deployment, read_capacity, body
        )
    return Reply(201, index_json(row, call.now, call.ctx.settings.ready_after, fresh=True))


def _scale_direction(before: int, after: int) -> str:
    return "ScalingDown" if after < before else "ScalingUp"


def _capacity_size(capacity: dict[str, Any] | None) -> int:
    if not capacity or capacity.get("mode") != "Dedicated":
        return 0
    manual = capacity["dedicated"]["manual"]
    return int(manual["replicas"]) * int(manual["shards"])


def _configure_deployment(
    tx: Tx, call: Call, row: Row, patch: dict[str, Any], changes: dict[str, Any]
) -> None:
    deployment = loads(row["deployment"])
    if deployment["deployment_type"] != "pod":
        raise bad_request("deployment can only be configured for pod-based indexes (replicas, pod_type).")
    updated = dict(deployment)
    if patch.get("replicas") is not None:
        field_rules.replicas(patch["replicas"], "deployment.replicas")
        updated["replicas"] = patch["replicas"]
    state = _scale_direction(deployment["replicas"], updated["replicas"])
    if patch.get("pod_type") is not None and patch["pod_type"] != deployment["pod_type"]:
        field_rules.pod_type(patch["pod_type"])
        if patch["pod_type"].split(".")[0] != deployment["pod_type"].split(".")[0]:
            raise bad_request("The pod family (s1, p1, p2) of an index cannot be changed.")
        if catalog.pod_size_rank(patch["pod_type"]) < catalog.pod_size_rank(deployment["pod_type"]):
            raise bad_request("Pod size can only be increased.")
        updated["pod_type"] = patch["pod_type"]
        state = "ScalingUpPodSize"
    if updated == deployment:
        return
    project = _project(tx, row["project_id"])
    ready_after = call.ctx.settings.ready_after
    pods = pods_in_use(tx, row["project_id"], call.now, ready_after, except_index=row["id"])
    wanted = int(updated["replicas"]) * int(updated["shards"])
    if pods + wanted > project["max_pods"]:
        raise forbidden(
            f"This change needs {pods + wanted} pods but the project's max_pods is {project['max_pods']}."
        )
    changes.update(deployment=dumps(updated), changed_at=call.now, change_state=state)


def _configure_capacity(call: Call, row: Row, patch: dict[str, Any], changes: dict[str, Any]) -> None:
    ready_after = call.ctx.settings.ready_after
    if capacity_state(row, call.now, ready_after) != "Ready" or not settled(
        row["created_at"], call.now, ready_after
    ):
        raise forbidden(
            "The index's read capacity is not yet Ready; retry once the current change completes."
        )
    current = loads(row["read_capacity"])
    updated = index_config.patched_read_capacity(current, patch, loads(row["deployment"]))
    if updated == current:
        return
    manual = (current.get("dedicated") or {}).get("manual") or {}
    node_change = (current.get("dedicated") or {}).get("node_type") != (updated.get("dedicated") or {}).get(
        "node_type"
    )
    previous = {
        "state": "Migrating" if node_change and current["mode"] == updated["mode"] else "Scaling",
        "replicas": manual.get("replicas"),
        "shards": manual.get("shards"),
    }
    changes.update(
        read_capacity=dumps(updated),
        previous_capacity=dumps(previous),
        changed_at=call.now,
        change_state=_scale_direction(_capacity_size(current), _capacity_size(updated)),
    )


def configure_index(call: Call) -> Reply:
    """PATCH /indexes/{index_name} (200)."""
    require_control(call.key_principal, write=True, action="control::indexes::configure")
    body = call.body
    with call.ctx.store.write() as tx:
        row = _index(tx, call, call.path["index_name"])
        if row["deleted_at"] is not None:
            raise bad_request(f"Index {row['name']} is being deleted.")
        changes: dict[str, Any] = {}
        if body.get("deletion_protection") is not None:
            changes["deletion_protection"] = field_rules.deletion_protection(body["deletion_protection"])
        if body.get("tags") is not None:
            changes["tags"] = dumps(field_rules.merged_tags(loads(row["tags"]), body["tags"]))
        if body.get("schema") is not None:
            fields = index_config.patched_semantic_fields(loads(row["schema"]), body["schema"]["fields"])
            changes["schema"] = dumps(fields)
        if body.get("deployment") is not None:
            _configure_deployment(tx, call, row, body["deployment"], changes)
        if body.get("read_capacity") is not None:
            _configure_capacity(call, row, body["read_capacity"], changes)
        tx.update("indexes", changes, "id = ?", (row["id"],))
        row = _index(tx, call, row["name"])
    return Reply(200, index_json(row, call.now, call.ctx.settings.ready_after))


def delete_index(call: Call) -> Reply:
    """DELETE /indexes/{index_name} (202, empty body)."""
    require_control(call.key_principal, write=True, action="control::indexes::delete")
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        row = _index(tx, call, call.path["index_name"])
        if row["deleted_at"] is not None:
            return Reply(202)
        if row["deletion_protection"] == "enabled":
            raise forbidden(
                "Deletion protection is enabled for this index. Disable deletion protection before retrying."
            )
        pending = [
            c["name"]
            for c in tx.all(
                "SELECT name, created_at FROM collections WHERE source_index_id = ?", (row["id"],)
            )
            if not settled(c["created_at"], call.now, ready_after)
        ]
        if pending:
            raise failed_precondition(
                "Unable to delete an index. There are pending collections for this index: "
                + json.dumps(pending).replace('"', "'")
            )
        catch_up(tx, row["project_id"], call.now)  # runs due before the delete are taken
        tx.run("DELETE FROM backup_schedules WHERE index_id = ?", (row["id"],))
        tx.update("indexes", {"deleted_at": call.now}, "id = ?", (row["id"],))
        records.drop_index(tx, row["id"])  # its records go now; backups keep their own copies
        tx.update("backups", {"source_index_deleted_at": call.now}, "source_index_id = ?", (row["id"],))
        purge_gone(tx, call.now, ready_after)
    return Reply(202)
