"""The data-plane operation table and its request pipeline.

Every operation of the 2026-07 data-plane spec is routed under ``/index/{index_host}`` (see
``hosts``). The pipeline checks the API version, the ``Api-Key`` (401 ``text/plain``), finds the
index by its host label (404), refuses a key of another project and a key whose roles lack
``data.read``/``data.write`` (403), parses the JSON body (streamed: 413 past 2 MB for upserts, past ``max_body_bytes`` otherwise), calls the
handler and answers errors as the spec says for the operation: ``rpcStatus`` bodies
``{"code": <gRPC code>, "message", "details": []}`` for vectors, namespaces and imports,
``ErrorResponse`` bodies for records and documents. Records/documents search, imports and
integrated inference answer 400 INVALID_ARGUMENT "not supported by the declarate local target".
No business rules here.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from .. import auth, clock
from ..errors import ApiError, error_response, json_response, key_unauthorized_response
from ..rbac import Perm
from ..routing import API_VERSION, VERSION_HEADER, BodyTooLarge, Context, Reply, read_body
from ..store import Row, loads
from . import hosts
from .matrices import MatrixCache
from .rules import MAX_UPSERT_BYTES, IndexShape, index_shape

logger = logging.getLogger("declarate.local")

READ, WRITE, UNSUPPORTED = "read", "write", "unsupported"

_GRPC_CODES = {
    "INVALID_ARGUMENT": 3,
    "OUT_OF_RANGE": 11,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "FORBIDDEN": 7,
    "RESOURCE_EXHAUSTED": 8,
    "PAYLOAD_TOO_LARGE": 8,  # gRPC reports oversized messages as RESOURCE_EXHAUSTED
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "UNIMPLEMENTED": 12,
    "UNKNOWN": 2,
    "UNAVAILABLE": 14,
    "UNAUTHENTICATED": 16,
}


@dataclass(frozen=True)
class DataIndex:
    """The index a data-plane request is addressed to."""

    id: str
    name: str
    project_id: str
    shape: IndexShape


@dataclass
class DataCall:
    """One data-plane request as a handler sees it."""

    ctx: Context
    index: DataIndex
    query: QueryParams
    path: Mapping[str, str]
    body: Any
    now: float

    @property
    def matrices(self) -> MatrixCache:
        """The app's namespace matrix cache."""
        cache: MatrixCache = self.ctx.extras.setdefault("data_matrices", MatrixCache())
        return cache


DataHandler = Callable[[DataCall], Reply]


@dataclass(frozen=True)
class DataOperation:
    """One data-plane operation: method, spec path, operationId, access and handler."""

    method: str
    path: str
    operation_id: str
    access: str
    handler: DataHandler | None = None
    error_body: str = "rpcStatus"  # records and documents operations answer ErrorResponse bodies

    @property
    def route_path(self) -> str:
        """The path it is served at."""
        return f"{hosts.PREFIX}/{{index_host}}{self.path}"


def rpc_error(error: ApiError) -> Response:
    """An error in the data plane's ``rpcStatus`` shape."""
    body = {"code": _GRPC_CODES.get(error.code, 2), "message": error.message, "details": []}
    return json_response(error.status, body, error.headers)


def _index(call_ctx: Context, label: str, key: auth.KeyPrincipal, served: bool) -> DataIndex:
    with call_ctx.store.read() as tx:
        row: Row | None = tx.one("SELECT * FROM indexes WHERE host = ? ORDER BY seq DESC LIMIT 1", (label,))
    if row is None or row["deleted_at"] is not None:
        raise ApiError(404, "NOT_FOUND", f"No index is served at host {label!r:.200}.")
    if row["project_id"] != key.project_id:
        raise ApiError(403, "PERMISSION_DENIED", "The API key does not belong to the project of this index.")
    shape = index_shape(loads(row["schema"]) or {})
    if shape is None and not served:
        shape = IndexShape(dimension=None, metric="dotproduct", sparse=False)
    if shape is None:
        raise ApiError(
            400, "INVALID_ARGUMENT", f"Index {row['name']} has no vector field: use the documents API."
        )
    return DataIndex(id=row["id"], name=row["name"], project_id=row["project_id"], shape=shape)


async def _body(request: Request, operation: DataOperation, ctx: Context) -> Any:
    if operation.method == "GET" or operation.method == "DELETE":
        return None
    limit = ctx.settings.max_body_bytes
    if operation.operation_id == "upsertVectors":
        limit = min(limit, MAX_UPSERT_BYTES)
    try:
        raw = await read_body(request, limit)  # refused before it is read whole
    except BodyTooLarge:
        raise ApiError(
            413,
            "PAYLOAD_TOO_LARGE",
            f"Request size exceeds the maximum supported size of {limit / 1024 / 1024:g}MB",
            headers={"connection": "close"},
        ) from None
    if not raw.strip():
        return {}
    try:
        # orjson: a 2 MB upsert parses about 4x faster than with the stdlib, and it refuses what
        # JSON does not allow (NaN, Infinity, numbers out of a double's range, lone surrogates)
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "INVALID_ARGUMENT", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_ARGUMENT", "The request body must be a JSON object.")
    return body


def _unsupported(operation: DataOperation) -> ApiError:
    return ApiError(
        400,
        "INVALID_ARGUMENT",
        f"{operation.operation_id} is not supported by the declarate local target: records and "
        "documents search, bulk imports and integrated inference need Pinecone "
        "(see declarate/local/README.md).",
    )


async def _serve(request: Request, operation: DataOperation, ctx: Context) -> Response:
    version = request.headers.get(VERSION_HEADER)
    if version is not None and version != API_VERSION:
        raise ApiError(
            400, "INVALID_ARGUMENT", f"Unsupported API version {version!r:.40}: use {API_VERSION}."
        )
    with ctx.store.read() as tx:
        key = auth.key_principal(tx, request.headers.get("api-key"))
    if key is None:
        return key_unauthorized_response()
    index = _index(ctx, request.path_params["index_host"], key, served=operation.handler is not None)
    needed = Perm.DATA_WRITE if operation.access == WRITE else Perm.DATA_READ
    if needed not in key.permissions:
        raise ApiError(
            403, "PERMISSION_DENIED", f"Access denied: the API key's roles do not grant {needed.value}."
        )
    if operation.handler is None:
        raise _unsupported(operation)
    body = await _body(request, operation, ctx)
    path = {name: value for name, value in request.path_params.items() if name != "index_host"}
    call = DataCall(ctx=ctx, index=index, query=request.query_params, path=path, body=body, now=clock.now())
    reply = operation.handler(call)
    return json_response(reply.status, reply.body, reply.headers)


def endpoint(operation: DataOperation, ctx: Context) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving a data-plane operation."""

    async def serve(request: Request) -> Response:
        try:
            return await _serve(request, operation, ctx)
        except ApiError as error:
            return rpc_error(error) if operation.error_body == "rpcStatus" else error_response(error)
        except ClientDisconnect:
            logger.warning("client disconnected before sending its whole request: %s", operation.operation_id)
            return Response(status_code=499)
        except Exception as exc:  # every failure still answers in the API's shape
            busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
            if busy:
                return rpc_error(ApiError(503, "UNAVAILABLE", "The local store is busy; retry."))
            logger.exception("%s failed", operation.operation_id)
            return rpc_error(ApiError(500, "UNKNOWN", f"Internal error: {type(exc).__name__}: {exc}"))

    serve.__name__ = operation.operation_id
    return serve


def data_routes(operations: tuple[DataOperation, ...], ctx: Context) -> list[Route]:
    """Starlette routes for the data-plane operations."""
    return [
        Route(op.route_path, endpoint(op, ctx), methods=[op.method], name=op.operation_id)
        for op in operations
    ]
