"""Control plane: collections (list, create, describe, delete) of pod-based indexes.

Collections exist only for pod indexes (which 2026-07 can read but not create; seed one with
``POST /_local/pod-indexes``). A new collection is Initializing, then Ready after ``ready_after``;
while it is pending its source index cannot be deleted (412). Scoped to the calling key's project;
it must not reach another project's rows.
"""

from __future__ import annotations

from typing import Any

from .. import field_rules
from ..access import require_control
from ..errors import already_exists, bad_request, not_found
from ..routing import Call, Reply
from ..store import Row, Tx, loads
from .index_model import find_index, settled


def collection_json(row: Row, now: float, ready_after: float) -> dict[str, Any]:
    """A CollectionModel."""
    body: dict[str, Any] = {
        "name": row["name"],
        "status": "Ready" if settled(row["created_at"], now, ready_after) else "Initializing",
        "environment": row["environment"],
        "size": 0,
        "vector_count": 0,
    }
    if row["dimension"] is not None:
        body["dimension"] = row["dimension"]
    return body


def _collection(tx: Tx, call: Call) -> Row:
    name = call.path["collection_name"]
    row = tx.one(
        "SELECT * FROM collections WHERE project_id = ? AND name = ?", (call.key_principal.project_id, name)
    )
    if row is None:
        raise not_found(f"Collection {name} not found.")
    return row


def list_collections(call: Call) -> Reply:
    """GET /collections."""
    require_control(call.key_principal, write=False, action="control::collections::list")
    with call.ctx.store.read() as tx:
        rows = tx.all(
            "SELECT * FROM collections WHERE project_id = ? ORDER BY seq", (call.key_principal.project_id,)
        )
    ready_after = call.ctx.settings.ready_after
    return Reply(200, {"collections": [collection_json(row, call.now, ready_after) for row in rows]})


def create_collection(call: Call) -> Reply:
    """POST /collections (201) from a pod-based index."""
    require_control(call.key_principal, write=True, action="control::collections::create")
    body = call.body
    field_rules.resource_name(body["name"], "collection")
    project_id = call.key_principal.project_id
    ready_after = call.ctx.settings.ready_after
    with call.ctx.store.write() as tx:
        index = find_index(tx, project_id, body["source"], call.now, ready_after)
        if index is None or index["deleted_at"] is not None:
            raise not_found(f"Index {body['source']} not found.")
        deployment = loads(index["deployment"])
        if deployment["deployment_type"] != "pod":
            raise bad_request("Collections are supported only for pod-based indexes.")
        if tx.one(
            "SELECT name FROM collections WHERE project_id = ? AND name = ?", (project_id, body["name"])
        ):
            raise already_exists("Resource already exists.")
        dense = loads(index["schema"]).get("_values") or {}
        tx.insert(
            "collections",
            {
                "project_id": project_id,
                "name": body["name"],
                "source_index_id": index["id"],
                "environment": deployment["environment"],
                "dimension": dense.get("dimension"),
                "created_at": call.now,
            },
        )
        row = tx.one(
            "SELECT * FROM collections WHERE project_id = ? AND name = ?", (project_id, body["name"])
        )
    assert row is not None
    return Reply(201, collection_json(row, call.now, ready_after))


def describe_collection(call: Call) -> Reply:
    """GET /collections/{collection_name}."""
    require_control(call.key_principal, write=False, action="control::collections::describe")
    with call.ctx.store.read() as tx:
        row = _collection(tx, call)
    return Reply(200, collection_json(row, call.now, call.ctx.settings.ready_after))


def delete_collection(call: Call) -> Reply:
    """DELETE /collections/{collection_name} (202)."""
    require_control(call.key_principal, write=True, action="control::collections::delete")
    with call.ctx.store.write() as tx:
        row = _collection(tx, call)
        tx.run("DELETE FROM collections WHERE seq = ?", (row["seq"],))
    return Reply(202)
