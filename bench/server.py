"""A served local control plane for benchmarks: start, stop, read and reset its request counters.

`served(...)` runs `python -m declarate.local serve --port 0 ...` in a child process, parses the URL
and bootstrap credentials it prints, waits for `/health`, and stops it on exit. This module never
prints the client secret and never measures anything itself (see measure.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

_URL = re.compile(r"https?://[\w.\-\[\]]+:\d+")
_CLIENT_ID = re.compile(r"client[ _-]?id\W+([^\s'\",]+)", re.IGNORECASE)
_CLIENT_SECRET = re.compile(r"client[ _-]?secret\W+([^\s'\",]+)", re.IGNORECASE)
_STARTUP_TIMEOUT_S = 60.0


class ServerFailed(RuntimeError):
    """The local control plane did not start, or stopped answering."""


@dataclass(frozen=True)
class RequestCounts:
    """The server's request counters (`GET /_local/stats`)."""

    total: int
    by_route: dict[str, int]
    by_status: dict[str, int]

    def count(self, route_prefix: str) -> int:
        """Requests on routes starting with `route_prefix`, e.g. "GET /indexes/"."""
        return sum(n for route, n in self.by_route.items() if route.startswith(route_prefix))


@dataclass
class ServedControlPlane:
    """A running `declarate.local serve` process and how to reach it."""

    url: str
    client_id: str
    client_secret: str = field(repr=False)
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    @property
    def oauth_url(self) -> str:
        return self.url + "/oauth/token"

    def credentials_env(self) -> dict[str, str]:
        """The environment a `declarate` child needs to target this server."""
        return {
            "DECLARATE_API_URL": self.url,
            "PINECONE_CLIENT_ID": self.client_id,
            "PINECONE_CLIENT_SECRET": self.client_secret,
        }

    def stats(self) -> RequestCounts:
        response = httpx.get(self.url + "/_local/stats", timeout=10)
        response.raise_for_status()
        body = response.json()
        return RequestCounts(
            total=int(body["total"]),
            by_route={str(k): int(v) for k, v in body.get("by_route", {}).items()},
            by_status={str(k): int(v) for k, v in body.get("by_status", {}).items()},
        )

    def reset_stats(self) -> None:
        httpx.delete(self.url + "/_local/stats", timeout=10).raise_for_status()

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's own output, with the client secret masked."""
        text = self.log_path.read_text(errors="replace").replace(self.client_secret, "***")
        return "\n".join(text.splitlines()[-lines:])


def serve_command(
    *, latency_ms: float, rate_limit: float | None, ready_after: float, data: Path | None
) -> list[str]:
    command = [sys.executable, "-m", "declarate.local", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--latency-ms", _number(latency_ms), "--ready-after", _number(ready_after)]
    if rate_limit:
        command += ["--rate-limit", _number(rate_limit)]
    if data is not None:
        command += ["--data", str(data)]
    return command


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@contextmanager
def served(
    *,
    latency_ms: float = 0,
    rate_limit: float | None = None,
    ready_after: float = 0,
    data: Path | None = None,
) -> Iterator[ServedControlPlane]:
    """A local control plane on a free loopback port, stopped (and its log removed) on exit.

    `data` keeps the SQLite file across restarts, so an estate populated on a fast server can be
    read back through a slow one.
    """
    with tempfile.TemporaryDirectory(prefix="declarate-bench-server-") as folder:
        log_path = Path(folder) / "serve.log"
        command = serve_command(
            latency_ms=latency_ms, rate_limit=rate_limit, ready_after=ready_after, data=data
        )
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            plane = _await_startup(process, log_path)
            yield plane
        finally:
            _stop(process)


def _await_startup(process: subprocess.Popen[bytes], log_path: Path) -> ServedControlPlane:
    """Wait for the startup lines (URL, client id, client secret), then for `/health` to answer."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    url = client_id = client_secret = None
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        url = url or _first(_URL, text)
        client_id = client_id or _first(_CLIENT_ID, text)
        client_secret = client_secret or _first(_CLIENT_SECRET, text)
        if url and client_id and client_secret:
            break
        if process.poll() is not None:
            raise ServerFailed(f"the local control plane exited with {process.returncode}:\n{_mask(text)}")
        time.sleep(0.05)
    else:
        missing = [
            n for n, v in (("URL", url), ("client id", client_id), ("client secret", client_secret)) if not v
        ]
        raise ServerFailed(
            f"the local control plane printed no {', '.join(missing)} in {_STARTUP_TIMEOUT_S:.0f} s"
        )
    assert url and client_id and client_secret
    plane = ServedControlPlane(url.rstrip("/"), client_id, client_secret, process, log_path)
    _await_health(plane, deadline)
    return plane


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(1) if match.groups() else match.group(0)


def _mask(text: str) -> str:
    return _CLIENT_SECRET.sub(lambda m: m.group(0).replace(m.group(1), "***"), text)


def _await_health(plane: ServedControlPlane, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(plane.url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if plane.process.poll() is not None:
            raise ServerFailed(f"the local control plane exited:\n{plane.log_tail()}")
        time.sleep(0.05)
    raise ServerFailed(f"{plane.url}/health did not answer 200 in time:\n{plane.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate our own child (by its handle), killing it if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
