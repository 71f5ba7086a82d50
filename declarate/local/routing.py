"""The request pipeline shared by every operation: parse, authenticate, call a handler, answer.

An ``Operation`` names one method + path template of the specs with its operationId, its API family
(which decides the credential and the error shape) and its handler. ``endpoint`` turns it into a
Starlette endpoint: version header check, JSON body shape check (422 on the control plane, 400 on
the Admin API), authentication, the handler, and errors rendered the family's way. Handlers are
plain synchronous functions of a ``Call``; they never see Starlette. This module must not contain
business rules.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from . import auth, clock
from .bootstrap import Bootstrap
from .errors import (
    ApiError,
    OAuthError,
    bad_request,
    error_response,
    json_response,
    key_unauthorized_response,
    oauth_error_response,
    unprocessable,
)
from .settings import LocalSettings
from .store import Store
from .wire import schema

logger = logging.getLogger("declarate.local")

API_VERSION = "2026-07"
VERSION_HEADER = "x-pinecone-api-version"

ADMIN = "admin"  # Authorization: Bearer, ErrorResponse bodies, 400 for bad bodies
CONTROL = "control"  # Api-Key, ErrorResponse bodies, 422 for bad bodies, text/plain 401
OAUTH = "oauth"  # no credential, {error, error_description} bodies
LOCAL_ADMIN = "local-admin"  # local hooks: bootstrap owner's bearer token
OPEN = "open"  # health and stats: no credential
METRICS = "metrics"  # Authorization: Bearer <project API key>, ErrorResponse bodies (db_metrics)


@dataclass
class Context:
    """Everything an app instance shares between requests."""

    settings: LocalSettings
    store: Store
    bootstrap: Bootstrap
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    """A handler's answer: status and JSON body (``None`` for an empty body), or text of `media_type`."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None
    media_type: str | None = None  # set for a text body (the Prometheus export): sent as is


@dataclass
class Call:
    """One request as a handler sees it."""

    ctx: Context
    path: Mapping[str, str]
    query: QueryParams
    body: Any
    now: float
    admin: auth.AdminPrincipal | None = None
    key: auth.KeyPrincipal | None = None
    form: Mapping[str, str] | None = None

    @property
    def admin_principal(self) -> auth.AdminPrincipal:
        """The authenticated service account (Admin API operations only)."""
        assert self.admin is not None
        return self.admin

    @property
    def key_principal(self) -> auth.KeyPrincipal:
        """The authenticated API key (control-plane operations only)."""
        assert self.key is not None
        return self.key


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Operation:
    """One operation: ``method path`` of a spec, its operationId, family, handler and body shape."""

    method: str
    path: str
    operation_id: str
    family: str
    handler: Handler
    body: schema.Shape | None = None

    @property
    def template(self) -> str:
        """``GET /admin/projects/{project_id}``."""
        return f"{self.method} {self.path}"


MAX_JSON_DEPTH = 128  # serde_json's recursion limit: deeper bodies do not deserialize


class BodyTooLarge(Exception):
    """The request body is longer than ``max_body_bytes``: answered 413 before it is read whole."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, streamed and cut as soon as it exceeds ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body
    is refused at the first chunk past it, so memory never holds more than ``limit`` plus a chunk.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} out of range")
    return value


def _too_deep(value: Any) -> bool:
    """Whether a parsed JSON value nests deeper than ``MAX_JSON_DEPTH`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def parse_json(raw: bytes) -> Any:
    """A JSON document with the deserializer's limits: finite numbers, at most 128 levels deep.

    Raises ``ValueError`` (with a message fit for the client) for anything else.
    """
    try:
        value = json.loads(raw, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"recursion limit exceeded (more than {MAX_JSON_DEPTH} levels)") from None
    if _too_deep(value):
        raise ValueError(f"recursion limit exceeded (more than {MAX_JSON_DEPTH} levels)")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def _json_body(request: Request, operation: Operation, limit: int) -> Any:
    raw = await read_body(request, limit)
    if not raw.strip():
        return {}
    try:
        return parse_json(raw)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _body_error(operation, f"expected a JSON body: {exc}") from None


def _body_error(operation: Operation, message: str) -> ApiError:
    if operation.family == CONTROL:
        return unprocessable(message)
    return bad_request(f"Invalid request body: {message}")


async def _oauth_form(request: Request, limit: int) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await read_body(request, limit)
    if content_type == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise OAuthError(400, "invalid_request", "The form body must be UTF-8.") from None
    try:
        parsed = parse_json(raw) if raw.strip() else {}
    except ValueError:
        raise OAuthError(400, "invalid_request", "The request body must be JSON or form-encoded.") from None
    if not isinstance(parsed, dict):
        raise OAuthError(400, "invalid_request", "The request body must be a JSON object.")
    return {key: value for key, value in parsed.items() if isinstance(value, str)}


def _check_version(request: Request) -> None:
    version = request.headers.get(VERSION_HEADER)
    if version is not None and version != API_VERSION:
        raise bad_request(
            f"Unsupported API version '{version}': the declarate local control plane serves {API_VERSION} "
            f"(send {VERSION_HEADER}: {API_VERSION})."
        )


async def _prepare(request: Request, operation: Operation, ctx: Context) -> Call | Response:
    """Check version, credential and body (in that order, as the service does)."""
    if operation.family in (ADMIN, CONTROL):
        _check_version(request)
    call = Call(ctx=ctx, path=request.path_params, query=request.query_params, body=None, now=clock.now())
    if operation.family == OAUTH:
        call.form = await _oauth_form(request, ctx.settings.max_body_bytes)
        return call
    if operation.family in (ADMIN, LOCAL_ADMIN):
        with ctx.store.read() as tx:
            call.admin = auth.admin_principal(tx, request.headers.get("authorization"), call.now)
        if operation.family == LOCAL_ADMIN and not call.admin.is_bootstrap:
            raise ApiError(403, "PERMISSION_DENIED", "Local hooks need the bootstrap owner's access token.")
    elif operation.family == CONTROL:
        with ctx.store.read() as tx:
            call.key = auth.key_principal(tx, request.headers.get("api-key"))
        if call.key is None:
            return key_unauthorized_response()
    elif operation.family == METRICS:
        # The metrics API takes a project API key as a bearer token (Prometheus' `authorization`).
        authorization = request.headers.get("authorization") or ""
        scheme, _, value = authorization.partition(" ")
        with ctx.store.read() as tx:
            call.key = auth.key_principal(tx, value.strip() if scheme.lower() == "bearer" else None)
        if call.key is None:
            raise ApiError(401, "UNAUTHENTICATED", "Invalid API key.")
    if operation.body is not None:
        call.body = await _json_body(request, operation, ctx.settings.max_body_bytes)
        try:
            schema.check(operation.body, call.body)
        except schema.ShapeError as exc:
            raise _body_error(operation, str(exc)) from None
    return call


def _internal_error(operation: Operation, exc: Exception) -> Response:
    """A bug or a storage failure, still in the family's error shape (503 when SQLite is busy)."""
    busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
    if not busy:
        logger.exception("%s failed", operation.operation_id)
    if operation.family == OAUTH:
        return oauth_error_response(OAuthError(503 if busy else 500, "server_error", str(exc)))
    if busy:
        return error_response(ApiError(503, "UNAVAILABLE", "The local store is busy; retry."))
    return error_response(ApiError(500, "UNKNOWN", f"Internal server error: {type(exc).__name__}: {exc}"))


def _too_large(operation: Operation, limit: int) -> Response:
    """413 in the family's error shape; the connection is closed so the rest is never read."""
    message = f"The request body is larger than {limit} bytes."
    response = (
        oauth_error_response(OAuthError(413, "invalid_request", message))
        if operation.family == OAUTH
        else error_response(ApiError(413, "PAYLOAD_TOO_LARGE", message))
    )
    response.headers["connection"] = "close"
    return response


def endpoint(operation: Operation, ctx: Context) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving ``operation``."""

    async def serve(request: Request) -> Response:
        try:
            prepared = await _prepare(request, operation, ctx)
            if isinstance(prepared, Response):
                return prepared
            assert operation.handler is not None
            reply = operation.handler(prepared)
            if reply.media_type is not None:
                return Response(reply.body, reply.status, reply.headers, media_type=reply.media_type)
            return json_response(reply.status, reply.body, reply.headers)
        except ApiError as error:
            return error_response(error)
        except OAuthError as error:
            return oauth_error_response(error)
        except BodyTooLarge:
            return _too_large(operation, ctx.settings.max_body_bytes)
        except ClientDisconnect:
            # Nobody is left to answer: one line for the operator, no traceback.
            logger.warning("client disconnected before sending its whole request: %s", operation.template)
            return Response(status_code=499)
        except Exception as exc:  # every failure still answers in the API shape
            return _internal_error(operation, exc)

    serve.__name__ = operation.operation_id
    return serve
