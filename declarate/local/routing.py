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
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import Request
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
    unimplemented,
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


@dataclass
class Context:
    """Everything an app instance shares between requests."""

    settings: LocalSettings
    store: Store
    bootstrap: Bootstrap
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    """A handler's answer: status and JSON body (``None`` for an empty body)."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None


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
    handler: Handler | None = None
    body: schema.Shape | None = None

    @property
    def template(self) -> str:
        """``GET /admin/projects/{project_id}``."""
        return f"{self.method} {self.path}"


async def _json_body(request: Request, operation: Operation) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _body_error(operation, f"expected a JSON body: {exc}") from None


def _body_error(operation: Operation, message: str) -> ApiError:
    if operation.family == CONTROL:
        return unprocessable(message)
    return bad_request(f"Invalid request body: {message}")


async def _oauth_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise OAuthError(400, "invalid_request", "The form body must be UTF-8.") from None
    try:
        parsed = json.loads(raw) if raw.strip() else {}
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
    if operation.handler is None:
        raise unimplemented(operation.operation_id)
    if operation.family in (ADMIN, CONTROL):
        _check_version(request)
    call = Call(ctx=ctx, path=request.path_params, query=request.query_params, body=None, now=clock.now())
    if operation.family == OAUTH:
        call.form = await _oauth_form(request)
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
    if operation.body is not None:
        call.body = await _json_body(request, operation)
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


def endpoint(operation: Operation, ctx: Context) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving ``operation``."""

    async def serve(request: Request) -> Response:
        try:
            prepared = await _prepare(request, operation, ctx)
            if isinstance(prepared, Response):
                return prepared
            assert operation.handler is not None
            reply = operation.handler(prepared)
            return json_response(reply.status, reply.body, reply.headers)
        except ApiError as error:
            return error_response(error)
        except OAuthError as error:
            return oauth_error_response(error)
        except Exception as exc:  # every failure still answers in the API shape
            return _internal_error(operation, exc)

    serve.__name__ = operation.operation_id
    return serve
