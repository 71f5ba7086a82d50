"""Errors a handler raises, and the three wire shapes Pinecone answers them with.

Handlers raise ``ApiError`` (or a subclass); the app turns it into the body the API family uses:
``{"status", "error": {"code", "message"}}`` for the Admin and control-plane APIs, ``text/plain``
``Invalid API key`` for a control-plane 401, and ``{"error", "error_description"}`` for OAuth. This
module must not know about routes, storage or authentication.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

JSON_TYPE = "application/json"


class ApiError(Exception):
    """An error answer: HTTP status, Pinecone error code and a human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    """400 INVALID_ARGUMENT: a request that deserialized but breaks a rule."""
    return ApiError(400, "INVALID_ARGUMENT", message)


def out_of_range(message: str) -> ApiError:
    """400 OUT_OF_RANGE: a paging limit outside its bounds."""
    return ApiError(400, "OUT_OF_RANGE", message)


def unprocessable(message: str) -> ApiError:
    """422 UNPROCESSABLE_ENTITY: a control-plane body that does not deserialize."""
    return ApiError(
        422, "UNPROCESSABLE_ENTITY", f"Failed to deserialize the JSON body into the target type: {message}"
    )


def not_found(message: str) -> ApiError:
    """404 NOT_FOUND."""
    return ApiError(404, "NOT_FOUND", message)


def already_exists(message: str = "Resource already exists.") -> ApiError:
    """409 ALREADY_EXISTS."""
    return ApiError(409, "ALREADY_EXISTS", message)


def aborted(message: str) -> ApiError:
    """409 ABORTED: an invariant (last OrgOwner, last membership) would break."""
    return ApiError(409, "ABORTED", message)


def forbidden(message: str) -> ApiError:
    """403 FORBIDDEN: the action is refused by the resource's state (protection, quota)."""
    return ApiError(403, "FORBIDDEN", message)


def permission_denied(message: str) -> ApiError:
    """403 PERMISSION_DENIED: the caller's roles do not allow the action."""
    return ApiError(403, "PERMISSION_DENIED", message)


def failed_precondition(message: str) -> ApiError:
    """412 FAILED_PRECONDITION: the resource is not in a state that allows the action."""
    return ApiError(412, "FAILED_PRECONDITION", message)


def unauthenticated(message: str) -> ApiError:
    """401 UNAUTHENTICATED."""
    return ApiError(401, "UNAUTHENTICATED", message)


class OAuthError(Exception):
    """An OAuth token endpoint error: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A compact JSON response; ``body=None`` with 202/204 gives an empty body."""
    if body is None:
        return Response(status_code=status, headers=headers)
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=JSON_TYPE, headers=headers)


def error_response(error: ApiError) -> Response:
    """The Pinecone error body for an ``ApiError``."""
    body = {"status": error.status, "error": {"code": error.code, "message": error.message}}
    return json_response(error.status, body, error.headers)


def key_unauthorized_response() -> Response:
    """The control-plane 401: plain text, not an ErrorResponse (2026-07)."""
    return Response(b"Invalid API key", status_code=401, media_type="text/plain")


def oauth_error_response(error: OAuthError) -> Response:
    """The OAuth error body."""
    return json_response(error.status, {"error": error.error, "error_description": error.description})
