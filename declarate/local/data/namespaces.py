"""Data plane: namespaces (list, create, describe, delete).

A namespace exists once created explicitly or once a record is upserted into it; an implicit
namespace disappears with its last record. The namespaces API names the default namespace
``__default__``. Record counts and sizes are strings (uint64), as the spec says. Handlers only;
storage is ``records``.
"""

from __future__ import annotations

from typing import Any

from ..errors import already_exists, bad_request, not_found
from ..routing import Reply
from ..store import dumps, loads
from . import records, rules
from .routes import DataCall
from .vectors import _after, _token


def _name(stored: str) -> str:
    return stored or rules.DEFAULT_NAMESPACE


def _description(call: DataCall, row: dict[str, Any], record_count: int) -> dict[str, Any]:
    with call.ctx.store.read() as tx:
        size = records.size_bytes(tx, call.index.id, row["name"])
    body: dict[str, Any] = {"name": _name(row["name"]), "record_count": str(record_count)}
    schema = loads(row.get("schema"))
    if schema:
        body["schema"] = schema
        body["indexed_fields"] = {"fields": sorted(schema.get("fields") or {})}
    body["size_bytes"] = str(size)
    return body


def _schema(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    fields = raw.get("fields") if isinstance(raw, dict) else None
    if not isinstance(fields, dict) or len(fields) > 50:
        raise bad_request("Invalid schema: 'fields' must be an object of at most 50 fields.")
    for name, field in fields.items():
        if not isinstance(field, dict) or field.get("filterable") is not True:
            raise bad_request(f"Invalid schema: field {name!r:.60} must be {{'filterable': true}}.")
    return {"fields": fields}


def list_namespaces(call: DataCall) -> Reply:
    """GET /namespaces."""
    prefix = call.query.get("prefix") or ""
    limit = rules.limit(call.query.get("limit"), 100, 100)
    context = f"ns:{prefix}"
    after = _after(call.query.get("paginationToken"), context)
    with call.ctx.store.read() as tx:
        spaces = [s for s in records.namespaces(tx, call.index.id) if _name(s["name"]).startswith(prefix)]
    spaces.sort(key=lambda space: _name(space["name"]))
    remaining = [space for space in spaces if _name(space["name"]) > after]
    page = remaining[:limit]
    answer: dict[str, Any] = {
        "namespaces": [_description(call, space, int(space["record_count"])) for space in page]
    }
    if len(remaining) > limit:
        answer["pagination"] = {"next": _token(_name(page[-1]["name"]), context)}
    answer["total_count"] = len(spaces)
    return Reply(200, answer)


def create_namespace(call: DataCall) -> Reply:
    """POST /namespaces (409 when it exists)."""
    raw = call.body.get("name")
    if not isinstance(raw, str) or not raw or raw == rules.DEFAULT_NAMESPACE:
        raise bad_request("Invalid namespace name: a non-empty name other than __default__ is required.")
    name = rules.namespace(raw)
    schema = _schema(call.body.get("schema"))
    with call.ctx.store.write() as tx:
        if records.namespace_row(tx, call.index.id, name) is not None:
            raise already_exists(f"Namespace {name} already exists.")
        records.touch(tx, call.index.id, name, call.now, explicit=True)
        tx.update(
            "data_namespaces", {"schema": dumps(schema)}, "index_id = ? AND name = ?", (call.index.id, name)
        )
        row = records.namespace_row(tx, call.index.id, name)
    assert row is not None
    return Reply(200, _description(call, row, 0))


def _existing(call: DataCall) -> tuple[dict[str, Any], int]:
    name = rules.namespace(call.path["namespace"])
    with call.ctx.store.read() as tx:
        found = [s for s in records.namespaces(tx, call.index.id) if s["name"] == name]
    if not found:
        raise not_found(f"Namespace {_name(name)} not found.")
    return found[0], int(found[0]["record_count"])


def describe_namespace(call: DataCall) -> Reply:
    """GET /namespaces/{namespace} (404 when it does not exist)."""
    row, count = _existing(call)
    return Reply(200, _description(call, row, count))


def delete_namespace(call: DataCall) -> Reply:
    """DELETE /namespaces/{namespace}: the namespace and every record in it."""
    row, _ = _existing(call)
    with call.ctx.store.write() as tx:
        records.drop_namespace(tx, call.index.id, row["name"])
    return Reply(200, {})
