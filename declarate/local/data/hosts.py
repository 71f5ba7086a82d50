"""Where an index's data plane is reached: a path under the address the caller used.

The SDK prefixes a bare host with ``https://`` and resolves it through DNS, so a host like
``docs-abc1234.svc.us-east-1-aws.declarate.local`` is unreachable unchanged. Describe therefore
answers ``<scheme>://<address the request came to>/index/<label>``: the label is the stored host,
the address is the request's ``Host`` (validated; the socket address otherwise). Served by
uvicorn that is ``http://127.0.0.1:5080/index/...``, which ``pc.Index(host=...)`` and
``pc.Index(name=...)`` reach unchanged; in process it is under the ASGI client's base URL.
A request addressed to the bare label (``Host: <label>``, as an in-process client may send) is
routed to the same place. This module renders and rewrites addresses; it reads no storage.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/index"
LABEL_SUFFIX = ".declarate.local"

# The address of the request being served: describe renders hosts under it. A context variable
# because the host depends on how this caller reached us, not on anything stored.
_base_url: ContextVar[str | None] = ContextVar("declarate_local_base_url", default=None)

_HOST_HEADER = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)


def public_host(label: str) -> str:
    """The host describe answers for an index whose stored host is ``label``."""
    base = _base_url.get()
    return f"{base}{PREFIX}/{label}" if base else label


def request_base_url() -> str:
    """``scheme://host[:port]`` the request being served came to (the embedded address if unknown)."""
    return _base_url.get() or "http://declarate.local"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def base_url(scope: Scope) -> str:
    """``scheme://host[:port]`` the request was addressed to (never a hostile Host header)."""
    scheme = "https" if scope.get("scheme") == "https" else "http"
    host = _header(scope, b"host")
    if host is None or not _HOST_HEADER.match(host):
        server = scope.get("server")
        if not server:
            return f"{scheme}://declarate.local"
        address, port = server
        host = f"[{address}]" if ":" in str(address) else str(address)
        if port is not None:
            host = f"{host}:{port}"
    return f"{scheme}://{host}"


def label_of_host_header(scope: Scope) -> str | None:
    """The index label a request is addressed to by its ``Host`` header, if any."""
    host = _header(scope, b"host")
    if host is None:
        return None
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    if name.endswith(LABEL_SUFFIX) and name != LABEL_SUFFIX[1:] and _HOST_HEADER.match(name):
        return name
    return None


class HostRouting:
    """ASGI layer: remembers the caller's address, and routes ``Host: <label>`` to ``/index/<label>``."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        label = label_of_host_header(scope)
        if label is not None and not scope["path"].startswith(PREFIX + "/"):
            path = f"{PREFIX}/{label}{scope['path']}"
            scope = {**scope, "path": path, "raw_path": path.encode()}
            token = _base_url.set(None)
        else:
            token = _base_url.set(base_url(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            _base_url.reset(token)
