"""Cursor pagination for list operations: ``limit`` and an opaque ``paginationToken``.

A token carries the position (the last row's sequence number), the page size and a fingerprint of
the query it belongs to; reusing it with other filters or another limit is a 400, as the specs say.
A request with a token and no limit keeps the token's page size (the SDK omits ``limit`` then).
Works on rows already filtered and ordered by ``seq``; no storage access of its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import field_rules
from .errors import bad_request
from .store import Row

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    """Where a page starts and how long it is."""

    limit: int
    after: int
    fingerprint: str


def _fingerprint(context: str, filters: Mapping[str, str]) -> str:
    text = context + "|" + "&".join(f"{key}={filters[key]}" for key in sorted(filters))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_MAX_SEQ = (1 << 63) - 1  # SQLite's INTEGER


def _decode(token: str, maximum: int | None) -> tuple[int, int, str]:
    """``(after, limit, fingerprint)`` of a token this module issued; anything else is a 400.

    A token is client input: every member is checked for type and range (``l=0``, ``a=1e400``,
    nested or non-base64 text all answer 400, never 500).
    """
    invalid = bad_request("Invalid pagination token.")
    if len(token) > 512:
        raise invalid
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise invalid from None
    if not isinstance(decoded, dict):
        raise invalid
    after, limit, fingerprint = decoded.get("a"), decoded.get("l"), decoded.get("f")
    if not (_is_int(after) and _is_int(limit) and isinstance(fingerprint, str)):
        raise invalid
    assert isinstance(after, int) and isinstance(limit, int)
    if not 0 <= after <= _MAX_SEQ or limit < 1 or (maximum is not None and limit > maximum):
        raise invalid
    return after, limit, fingerprint


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def page_request(
    query: Mapping[str, str], context: str, filters: Mapping[str, str], maximum: int | None = 100
) -> PageRequest:
    """Read ``limit`` and ``paginationToken`` for the list operation ``context``."""
    limit = field_rules.page_limit(query.get("limit"), maximum=maximum)
    fingerprint = _fingerprint(context, filters)
    token = query.get("paginationToken")
    if not token:
        return PageRequest(limit=limit or DEFAULT_LIMIT, after=0, fingerprint=fingerprint)
    after, token_limit, token_fingerprint = _decode(token, maximum)
    if token_fingerprint != fingerprint or (limit is not None and limit != token_limit):
        raise bad_request("Invalid pagination token: it must be reused with the same filters and limit.")
    return PageRequest(limit=token_limit, after=after, fingerprint=fingerprint)


def paginate(rows: Sequence[Row], request: PageRequest) -> tuple[list[Row], str | None]:
    """One page of ``rows`` (ordered by ``seq``) and the token of the next page, if any."""
    remaining = [row for row in rows if row["seq"] > request.after]
    page = remaining[: request.limit]
    if len(remaining) <= request.limit:
        return page, None
    payload = {"a": page[-1]["seq"], "l": request.limit, "f": request.fingerprint}
    token = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return page, token


def pagination_json(token: str | None) -> dict[str, str] | None:
    """The ``pagination`` member of a list response."""
    return {"next": token} if token else None
