"""Transport failures in words, and URLs safe to show: what the client says when the wire fails.

`transport_problem` turns an httpx transport error into a phrase (`connection refused`, `host not
found`, `add http:// or https://`), `shown_url` a URL into `scheme://host:port/path` without query or
user info, where credentials could travel. `data_url` is the one place an index's `host` (live state,
so hostile) becomes a URL a key is sent to: a host that is not a plain host name or an http(s) URL
without user info, query or fragment is refused there, for every data-plane call. Pure functions: no
I/O, no retries, no logging.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from declarate.errors import DeclarateError

_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_PATH = re.compile(r"^[A-Za-z0-9._~/-]*$")


class UnusableHost(DeclarateError):
    """An index's data-plane host that is never contacted (and never sent a key)."""


def readable_host(host: Any) -> bool:
    """True for a plain host name (`docs-abc.svc.pinecone.io`, sent `https://`) or an http(s) URL with
    no user info, query or fragment (the local target answers those); anything else is never contacted."""
    if not isinstance(host, str) or not host or len(host) > 2000:
        return False
    if "://" not in host:
        return bool(_HOST.match(host))
    try:
        parts = urlsplit(host)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and parts.username is None
        and parts.password is None
        and not parts.query
        and not parts.fragment
        and bool(_HOST.match(parts.netloc))
        and bool(_PATH.match(parts.path))
    )


def shown_url(url: str) -> str:
    """`scheme://host:port/path` of a URL: safe to show, never carries a credential."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url.split("?", 1)[0].rsplit("@", 1)[-1][:200]
    if not parsed.scheme or not parsed.host:
        return url.split("?", 1)[0].rsplit("@", 1)[-1][:200]
    port = f":{parsed.port}" if parsed.port is not None else ""
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"{parsed.scheme}://{host}{port}{parsed.path}"


def data_url(host: Any, path: str) -> str:
    """The URL of `path` on an index's data plane: `host` as describe gives it, `https://` when bare.

    Pinecone answers a bare host name (`docs-abc.svc.pinecone.io`); the local target a URL under the
    address it was reached at. Anything else (user info, a query, another scheme, not a string) raises
    UnusableHost, so no caller can send a key to it.
    """
    if not readable_host(host):
        raise UnusableHost("the live index has no valid host to read from")
    base = host if "://" in host else f"https://{host}"
    return base.rstrip("/") + path


def transport_problem(exc: httpx.TransportError) -> str:
    """What went wrong on the wire, in words (`connection refused`), without echoing a request."""
    detail = " ".join(str(exc).split())
    lowered = " ".join([detail, *(str(cause) for cause in causes(exc))]).lower()
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "the URL has no http:// or https:// scheme: add http:// or https://"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if "refused" in lowered or any(isinstance(c, ConnectionRefusedError) for c in causes(exc)):
        return "connection refused"
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or "getaddrinfo" in lowered
    ):
        return "host not found"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({detail[:200]})" if detail else "cannot connect"
    return f"{type(exc).__name__}: {detail[:200]}" if detail else type(exc).__name__


def causes(exc: BaseException) -> list[BaseException]:
    """The exceptions behind `exc` (httpx wraps the socket's OSError, anyio may wrap it again)."""
    found: list[BaseException] = []
    current = exc.__cause__ or exc.__context__
    while current is not None and len(found) < 5:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found
