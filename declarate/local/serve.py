"""Serving the local control plane over HTTP with uvicorn: in the foreground, or in a test thread.

``serve_forever`` runs in the calling (main) thread until SIGINT/SIGTERM, for
``declarate local serve``. ``running_server`` starts uvicorn on a free loopback port in a daemon
thread and yields a ``ServerHandle`` (URL, owner credentials, counters, the app), stopping it
cleanly on exit; integration tests build on it. The socket is bound before uvicorn starts, so the
port is known at once and never raced for. No request handling here.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from .app import LocalApp, create_app
from .settings import LocalSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5080


@dataclass
class ServerHandle:
    """A running local control plane."""

    url: str
    host: str
    port: int
    client_id: str
    client_secret: str
    app: LocalApp

    @property
    def oauth_url(self) -> str:
        """The token endpoint (``url + "/oauth/token"``)."""
        return self.url + "/oauth/token"

    @property
    def settings(self) -> LocalSettings:
        """The settings the server runs with."""
        return self.app.settings

    def stats(self) -> dict[str, Any]:
        """Requests served: ``{"total", "by_route", "by_status"}`` (same as ``GET /_local/stats``)."""
        return self.app.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the request counters."""
        self.app.stats.reset()

    def on_answer(self, listener: Callable[[str, str], None]) -> Callable[[], None]:
        """Call ``listener(route template, status)`` as each API request is answered, after it was
        applied and before the answer is sent; returns a function that stops it (see ``RequestStats.listen``)."""
        return self.app.stats.listen(listener)

    def recorded_responses(self) -> list[dict[str, Any]]:
        """Responses kept when started with ``record_responses=True`` (else empty)."""
        return self.app.recorder.entries() if self.app.recorder else []


class CannotServe(Exception):
    """The server cannot start: the address cannot be bound or the data file cannot be opened.

    Its message is one line for the user, naming what failed and why.
    """


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one). Raises CannotServe."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit TCP_NODELAY (Linux, macOS): without it, a response whose
        # headers and body go out in two writes waits ~40 ms for a delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(exc, socket.gaierror):
            reason = f"{host!r} is not a known host name or IP address ({reason})"
        raise CannotServe(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def open_app(settings: LocalSettings) -> LocalApp:
    """The app over its data file. Raises CannotServe when the file cannot be opened as a database."""
    try:
        return create_app(settings)
    except (sqlite3.Error, OSError) as exc:
        where = settings.db_path or "the in-memory database"
        raise CannotServe(f"cannot open the data file {where}: {exc}") from None


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _ThreadServer(uvicorn.Server):
    """uvicorn's server, told to stop by an event rather than noticing it on its next 0.1 s tick.

    Tests start and stop a server hundreds of times; the tick alone added up to a tenth of a second
    to each stop.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):  # the tick keeps uvicorn's Date header current
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown without its fixed waits: done as soon as the connections are.

        uvicorn sleeps 0.1 s after asking connections to close, then polls them every 0.1 s: most
        of a test server's stop, hundreds of times per suite. Idle keep-alive connections close at
        once when asked; one still answering gets the same graceful timeout as under uvicorn.
        """
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 0)
        while (self.server_state.connections or self.server_state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        for task in list(self.server_state.tasks):
            task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def stop(self) -> None:
        """Ask the serving thread to stop (from any thread)."""
        self.should_exit = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(stop.set)


def _config(app: LocalApp) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        http="h11",
        timeout_graceful_shutdown=3,
        timeout_keep_alive=5,
    )


def _server(app: LocalApp) -> uvicorn.Server:
    return uvicorn.Server(_config(app))


def serve_forever(
    settings: LocalSettings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_ready: Callable[[ServerHandle], None] | None = None,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, never under the embedded credentials.

    Raises CannotServe before serving.
    """
    app = open_app(settings.replace(refuse_embedded_credentials=True))
    try:
        sock = bind(host, port)
    except CannotServe:
        app.close()
        raise
    handle = ServerHandle(
        url=url_of(sock),
        host=host,
        port=sock.getsockname()[1],
        client_id=app.bootstrap.client_id,
        client_secret=app.bootstrap.client_secret,
        app=app,
    )
    if on_ready is not None:
        on_ready(handle)
    try:
        _server(app).run(sockets=[sock])
    finally:
        sock.close()
        app.close()


@contextlib.contextmanager
def running_server(
    host: str = DEFAULT_HOST, port: int = 0, startup_timeout: float = 10.0, **settings: Any
) -> Iterator[ServerHandle]:
    """Serve a local control plane on loopback in a background thread for the ``with`` block.

    Keyword arguments are ``LocalSettings`` fields (``db_path``, ``ready_after``, ``latency_ms``,
    ``record_responses``...). The server is stopped and its database closed on exit.
    """
    app = create_app(LocalSettings(**settings))
    sock = bind(host, port)
    server = _ThreadServer(_config(app))
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        daemon=True,
        name=f"declarate-local-{sock.getsockname()[1]}",
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.stop()
            sock.close()
            app.close()
            raise RuntimeError("the local control plane did not start")
        time.sleep(0.002)
    handle = ServerHandle(
        url=url_of(sock),
        host=host,
        port=sock.getsockname()[1],
        client_id=app.bootstrap.client_id,
        client_secret=app.bootstrap.client_secret,
        app=app,
    )
    try:
        yield handle
    finally:
        server.stop()
        thread.join(timeout=10)
        sock.close()
        app.close()
