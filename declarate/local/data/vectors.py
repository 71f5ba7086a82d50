"""Data plane: upsert, query, fetch, fetch by metadata, update, delete, list ids, index stats.

Handlers of the vector operations of the 2026-07 data-plane spec. Writes go to ``records``;
reads of many records (query, fetch by metadata, filtered update/delete, stats with a filter) go
through the namespace's cached matrices, so scoring is one numpy expression over the namespace.
Request checks live in ``rules``, filters in ``filters``; this module renders the camelCase wire
shapes and must not reach an index other than the call's.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

from ..errors import bad_request
from ..routing import Reply
from . import records, rules, scoring
from .filters import Predicate, compile_filter
from .matrices import NamespaceMatrix
from .routes import DataCall


def _usage(units: int = 1) -> dict[str, int]:
    return {"readUnits": max(1, units)}


def _vector_json(
    matrix: NamespaceMatrix, position: int, *, values: bool = True, metadata: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": matrix.ids[position]}
    if values:
        if matrix.dense is not None:
            body["values"] = matrix.dense[position].tolist()
        start, end = int(matrix.indptr[position]), int(matrix.indptr[position + 1])
        if end > start:
            body["sparseValues"] = {
                "indices": matrix.sparse_indices[start:end].tolist(),
                "values": matrix.sparse_values[start:end].tolist(),
            }
    if metadata and matrix.metadata[position]:
        body["metadata"] = matrix.metadata[position]
    return body


def _record_json(record: records.Record) -> dict[str, Any]:
    body: dict[str, Any] = {"id": record.id}
    if record.dense is not None:
        body["values"] = record.dense.tolist()
    if record.sparse_indices is not None and record.sparse_values is not None:
        body["sparseValues"] = {
            "indices": record.sparse_indices.tolist(),
            "values": record.sparse_values.tolist(),
        }
    if record.metadata:
        body["metadata"] = record.metadata
    return body


def _matrix(call: DataCall, namespace: str) -> NamespaceMatrix | None:
    with call.ctx.store.read() as tx:
        return call.matrices.get(tx, call.index.id, namespace, call.index.shape.dimension)


def _matching(matrix: NamespaceMatrix, predicate: Predicate | None) -> np.ndarray[Any, Any]:
    if predicate is None:
        return np.arange(len(matrix))
    return np.fromiter(
        (position for position, metadata in enumerate(matrix.metadata) if predicate(metadata)), dtype=np.intp
    )


def _filter(body: dict[str, Any], required: bool = False) -> Predicate | None:
    raw = body.get("filter")
    if raw is None:
        if required:
            raise bad_request("A filter is required.")
        return None
    if required and not raw:
        raise bad_request("The filter must not be empty.")
    return compile_filter(raw)


def upsert(call: DataCall) -> Reply:
    """POST /vectors/upsert."""
    body = call.body
    raw = body.get("vectors")
    if not isinstance(raw, list) or not raw:
        raise bad_request("Invalid request: 'vectors' must be a non-empty array.")
    if len(raw) > rules.MAX_UPSERT_RECORDS:
        raise bad_request(
            f"Invalid request: at most {rules.MAX_UPSERT_RECORDS} vectors per upsert, got {len(raw)}."
        )
    namespace = rules.namespace(body.get("namespace"))
    # the last of repeated ids wins, as in Pinecone
    parsed = {record.id: record for record in rules.upserted_records(raw, call.index.shape)}
    with call.ctx.store.write() as tx:
        records.upsert(tx, call.index.id, namespace, list(parsed.values()), call.now)
    return Reply(200, {"upsertedCount": len(raw)})


def _query_vector(call: DataCall, body: dict[str, Any]) -> tuple[Any, Any]:
    shape = call.index.shape
    dense = None if body.get("vector") is None else rules.dense_values(body["vector"], shape, "vector")
    sparse = None
    if body.get("sparseVector") is not None:
        sparse = rules.sparse_values(body["sparseVector"], shape, "sparseVector")
    return dense, sparse


def query(call: DataCall) -> Reply:
    """POST /query: the top_k records nearest a vector, a sparse vector, both, or a stored record."""
    body = call.body
    namespace = rules.namespace(body.get("namespace"))
    include_values = bool(body.get("includeValues"))
    include_metadata = bool(body.get("includeMetadata"))
    k = rules.top_k(body.get("topK"), include_values or include_metadata)
    by_id = body.get("id")
    if by_id is not None and (body.get("vector") is not None or body.get("sparseVector") is not None):
        raise bad_request("Invalid request: query by id cannot also carry a vector or sparseVector.")
    if by_id is None and body.get("vector") is None and body.get("sparseVector") is None:
        raise bad_request("Invalid request: one of vector, sparseVector or id is required.")
    dense, sparse = (None, None) if by_id is not None else _query_vector(call, body)
    predicate = _filter(body)
    matrix = _matrix(call, namespace)
    matches: list[dict[str, Any]] = []
    if matrix is not None and len(matrix):
        if by_id is not None:
            rules.record_id(by_id)
            if by_id not in matrix.ids:
                return Reply(200, {"matches": [], "namespace": namespace, "usage": _usage()})
            position = matrix.ids.index(by_id)
            dense = None if matrix.dense is None else matrix.dense[position]
            start, end = int(matrix.indptr[position]), int(matrix.indptr[position + 1])
            sparse = (
                (matrix.sparse_indices[start:end], matrix.sparse_values[start:end]) if end > start else None
            )
        scores = np.zeros(len(matrix), dtype=np.float64)
        metric = call.index.shape.metric
        if dense is not None and matrix.dense is not None and matrix.norms is not None:
            scores += scoring.dense_scores(matrix.dense, matrix.norms, dense, metric)
        if sparse is not None:
            scores += scoring.sparse_scores(
                matrix.indptr, matrix.sparse_indices, matrix.sparse_values, sparse[0], sparse[1]
            )
        ascending = metric == "euclidean" and dense is not None
        chosen = scoring.top_k(scores, _matching(matrix, predicate), k, ascending)
        for position in chosen:
            match = _vector_json(matrix, int(position), values=include_values, metadata=include_metadata)
            match["score"] = float(scores[position])
            matches.append(match)
    units = 1 + (len(matrix) // 10_000 if matrix is not None else 0)
    return Reply(200, {"matches": matches, "namespace": namespace, "usage": _usage(units)})


def fetch(call: DataCall) -> Reply:
    """GET /vectors/fetch?ids=...&namespace=..."""
    ids = rules.record_ids(call.query.getlist("ids"))
    namespace = rules.namespace(call.query.get("namespace"))
    with call.ctx.store.read() as tx:
        found = records.fetch(tx, call.index.id, namespace, ids)
    vectors = {record.id: _record_json(record) for record in found}
    return Reply(200, {"vectors": vectors, "namespace": namespace, "usage": _usage()})


def _token(after: str, context: str) -> str:
    raw = f"{context}\x00{after}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(token: str | None, context: str) -> str:
    if not token:
        return ""
    try:
        decoded = base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("Invalid pagination token.") from None
    token_context, _, after = decoded.partition("\x00")
    if token_context != context:
        raise bad_request("Invalid pagination token: it must be reused with the same request.")
    return after


def fetch_by_metadata(call: DataCall) -> Reply:
    """POST /vectors/fetch_by_metadata: records matching a filter, by id, paginated."""
    body = call.body
    namespace = rules.namespace(body.get("namespace"))
    predicate = _filter(body, required=True)
    raw_limit = body.get("limit", 100)
    if not isinstance(raw_limit, int) or isinstance(raw_limit, bool) or not 1 <= raw_limit <= 10_000:
        raise bad_request("Invalid limit: it must be an integer between 1 and 10000.")
    context = f"fbm:{namespace}"
    after = _after(body.get("paginationToken"), context)
    matrix = _matrix(call, namespace)
    vectors: dict[str, Any] = {}
    next_token = None
    if matrix is not None:
        positions = sorted(
            (p for p in _matching(matrix, predicate).tolist() if matrix.ids[p] > after),
            key=matrix.ids.__getitem__,
        )
        for position in positions[:raw_limit]:
            vectors[matrix.ids[position]] = _vector_json(matrix, position)
        if len(positions) > raw_limit:
            next_token = _token(matrix.ids[positions[raw_limit - 1]], context)
    answer: dict[str, Any] = {"vectors": vectors, "namespace": namespace, "usage": _usage()}
    if next_token:
        answer["pagination"] = {"next": next_token}
    return Reply(200, answer)


def update(call: DataCall) -> Reply:
    """POST /vectors/update: one record by id, or set_metadata on every record a filter matches."""
    body = call.body
    namespace = rules.namespace(body.get("namespace"))
    shape = call.index.shape
    set_metadata = rules.metadata(body.get("setMetadata"), "setMetadata") if "setMetadata" in body else None
    if body.get("id") is not None and body.get("filter") is not None:
        raise bad_request("Invalid request: update takes either an id or a filter, not both.")
    if body.get("filter") is not None:
        if body.get("values") is not None or body.get("sparseValues") is not None:
            raise bad_request("Invalid request: an update by filter can only set metadata.")
        predicate = _filter(body, required=True)
        matrix = _matrix(call, namespace)
        positions = [] if matrix is None else _matching(matrix, predicate).tolist()
        if body.get("dryRun") or not positions or set_metadata is None or matrix is None:
            return Reply(200, {"matchedRecords": len(positions)})
        ids = [matrix.ids[p] for p in positions]
        with call.ctx.store.write() as tx:
            changed = [
                _patched(record, None, None, set_metadata)
                for record in records.fetch(tx, call.index.id, namespace, ids)
            ]
            records.upsert(tx, call.index.id, namespace, changed, call.now)
        return Reply(200, {"matchedRecords": len(positions)})
    identifier = rules.record_id(body.get("id"))
    dense = None if body.get("values") is None else rules.dense_values(body["values"], shape, "values")
    sparse = None
    if body.get("sparseValues") is not None:
        sparse = rules.sparse_values(body["sparseValues"], shape, "sparseValues")
    with call.ctx.store.write() as tx:
        found = records.fetch(tx, call.index.id, namespace, [identifier])
        if not found:
            return Reply(200, {"matchedRecords": 0})
        if not body.get("dryRun"):
            records.upsert(
                tx, call.index.id, namespace, [_patched(found[0], dense, sparse, set_metadata)], call.now
            )
    return Reply(200, {"matchedRecords": 1})


def _patched(
    record: records.Record, dense: Any, sparse: Any, set_metadata: dict[str, Any] | None
) -> records.Record:
    metadata = dict(record.metadata or {})
    metadata.update(set_metadata or {})
    rules.metadata(metadata, f"record {record.id}")  # the merged metadata must fit the limits too
    return records.Record(
        id=record.id,
        dense=record.dense if dense is None else dense,
        sparse_indices=record.sparse_indices if sparse is None else sparse[0],
        sparse_values=record.sparse_values if sparse is None else sparse[1],
        metadata=metadata or None,
    )


def delete(call: DataCall) -> Reply:
    """POST /vectors/delete: by ids, by filter, or every record of the namespace."""
    body = call.body
    namespace = rules.namespace(body.get("namespace"))
    selectors = [name for name in ("ids", "filter") if body.get(name) is not None]
    if body.get("deleteAll"):
        selectors.append("deleteAll")
    if len(selectors) != 1:
        raise bad_request("Invalid request: exactly one of ids, filter or deleteAll is required.")
    if selectors == ["deleteAll"]:
        with call.ctx.store.write() as tx:
            records.delete_all(tx, call.index.id, namespace, call.now)
        return Reply(200, {})
    if selectors == ["ids"]:
        ids = rules.record_ids(body["ids"])
    else:
        predicate = _filter(body, required=True)
        matrix = _matrix(call, namespace)
        ids = [] if matrix is None else [matrix.ids[p] for p in _matching(matrix, predicate).tolist()]
    with call.ctx.store.write() as tx:
        records.delete(tx, call.index.id, namespace, ids, call.now)
    return Reply(200, {})


def list_ids(call: DataCall) -> Reply:
    """GET /vectors/list: ids in id order, with a prefix and pagination."""
    namespace = rules.namespace(call.query.get("namespace"))
    prefix = call.query.get("prefix") or ""
    if len(prefix) > rules.MAX_ID_LENGTH or not prefix.isascii():
        raise bad_request("Invalid prefix: at most 512 ASCII characters.")
    limit = rules.limit(call.query.get("limit"), 100, 100)
    context = f"list:{namespace}:{prefix}"
    after = _after(call.query.get("paginationToken"), context)
    with call.ctx.store.read() as tx:
        ids = records.list_ids(tx, call.index.id, namespace, prefix, after, limit + 1)
    answer: dict[str, Any] = {"vectors": [{"id": i} for i in ids[:limit]], "namespace": namespace}
    if len(ids) > limit:
        answer["pagination"] = {"next": _token(ids[limit - 1], context)}
    answer["usage"] = _usage()
    return Reply(200, answer)


def describe_index_stats(call: DataCall) -> Reply:
    """POST /describe_index_stats: record counts per namespace (of the records a filter matches)."""
    predicate = _filter(call.body or {})
    shape = call.index.shape
    with call.ctx.store.read() as tx:
        spaces = records.namespaces(tx, call.index.id)
    counts: dict[str, int] = {}
    for space in spaces:
        if predicate is None:
            counts[space["name"]] = int(space["record_count"])
        else:
            matrix = _matrix(call, space["name"])
            counts[space["name"]] = 0 if matrix is None else len(_matching(matrix, predicate))
    answer: dict[str, Any] = {"namespaces": {name: {"vectorCount": count} for name, count in counts.items()}}
    if shape.dimension is not None:
        answer["dimension"] = shape.dimension
    answer.update(
        indexFullness=0.0,
        totalVectorCount=sum(counts.values()),
        metric=shape.metric,
        vectorType=shape.vector_type,
        memoryFullness=0.0,
        storageFullness=0.0,
    )
    return Reply(200, answer)
