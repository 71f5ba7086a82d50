"""declarate's local control plane: a Pinecone-compatible OAuth, Admin and control-plane API (2026-07).

It stands in for Pinecone, so it imports nothing else of declarate: its models come from the
specs. Public API:

- ``LocalSettings``: storage, bootstrap credentials, timing and fault injection.
- ``create_app(settings)``: the Starlette app (persisted in SQLite, bootstrapped on first start).
- ``EMBEDDED_CLIENT_ID`` / ``EMBEDDED_CLIENT_SECRET``: fixed owner credentials of the embedded target.
- ``embedded_transport(db_path, **overrides)``: an ``httpx`` ASGI transport over a data file.
- ``running_server(**settings)``: a served instance on a free loopback port, for tests.
- ``clients``: a script's first requests (the owner's token, a project and its API key).

The ``declarate local`` click group is ``declarate.local.cli.local_group``. This module only
re-exports and assembles; it must not grow handlers.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from .app import LocalApp, create_app
from .faults import DroppedConnection
from .settings import EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET, LocalSettings

if TYPE_CHECKING:
    from .serve import ServerHandle

__all__ = [
    "EMBEDDED_CLIENT_ID",
    "EMBEDDED_CLIENT_SECRET",
    "DroppedConnection",
    "EmbeddedTransport",
    "LocalApp",
    "LocalSettings",
    "create_app",
    "embedded_transport",
    "running_server",
]


class EmbeddedTransport(httpx.ASGITransport):
    """An ASGI transport that owns its local control plane (closing it closes the database)."""

    def __init__(self, app: LocalApp):
        super().__init__(app=app)
        self.local_app = app

    async def aclose(self) -> None:
        self.local_app.close()


def embedded_transport(db_path: str | pathlib.Path, **overrides: Any) -> httpx.AsyncBaseTransport:
    """An in-process transport to a local control plane persisted in ``db_path``.

    Parent directories are created; the owner credentials are ``EMBEDDED_CLIENT_ID`` and
    ``EMBEDDED_CLIENT_SECRET`` unless overridden. Other keyword arguments are ``LocalSettings``
    fields. Use it as ``httpx.AsyncClient(transport=..., base_url="http://declarate.local")``.
    """
    path = pathlib.Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields: dict[str, Any] = {"client_id": EMBEDDED_CLIENT_ID, "client_secret": EMBEDDED_CLIENT_SECRET}
    fields.update(overrides)
    fields["db_path"] = str(path)
    return EmbeddedTransport(create_app(LocalSettings(**fields)))


@contextlib.contextmanager
def running_server(**settings: Any) -> Iterator[ServerHandle]:
    """Serve a local control plane on a free loopback port while the ``with`` block runs.

    Yields a handle with ``url``, ``oauth_url``, ``client_id``, ``client_secret``, ``stats()``,
    ``reset_stats()``, ``on_answer(listener)``, ``recorded_responses()`` and ``app``. Keyword
    arguments are ``LocalSettings`` fields, plus ``host`` and ``port``.
    """
    from .serve import running_server as serve_in_thread

    with serve_in_thread(**settings) as handle:
        yield handle
