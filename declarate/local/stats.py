"""Observers of the served traffic: request counters and (optionally) recorded responses.

``CountingWrapper`` is the outermost ASGI layer: it counts every API request by route template
(``GET /admin/projects/{project_id}``) and final status, injected faults included (a dropped
connection counts as ``dropped``), and hands the server's own ``send`` down in the scope so the
fault layer can close the real connection. Listeners (``RequestStats.listen``) hear of each answer
after the request was applied and before the answer leaves: a crash test kills its client there. ``RecordingWrapper`` sits next to the routes and keeps
(operation, status, content type, body) of each response for schema conformance checks.
``/health`` and ``/_local/*`` are neither counted nor recorded. No business logic.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RAW_SEND_KEY = "declarate.raw_send"
ROUTE_KEY = "declarate.route"


def is_observed(path: str) -> bool:
    """API paths are observed; health and local hooks are not."""
    return path != "/health" and not path.startswith("/_local/")


def route_of(routes: Sequence[BaseRoute], scope: Scope) -> Route | None:
    """The route a request matches (method included), or ``None``."""
    for route in routes:
        if isinstance(route, Route):
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route
    return None


def template_of(route: Route | None, scope: Scope) -> str:
    """``METHOD /path/{template}`` of a request."""
    return f"{scope['method']} {route.path if route else '<unmatched>'}"


# Called with the route template (``POST /indexes/{index_name}/backups``) and the answer's status.
AnswerListener = Callable[[str, str], None]


class RequestStats:
    """Thread-safe counters of requests served, and the listeners told of each answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_route: Counter[str] = Counter()
        self._by_status: Counter[str] = Counter()
        self._listeners: list[AnswerListener] = []

    def listen(self, listener: AnswerListener) -> Callable[[], None]:
        """Call ``listener(template, status)`` once each API request is answered, before the answer is
        sent (so the request was applied and its client has not learned it); returns a function that
        stops it. Listeners run in the server's thread and must be quick."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def answering(self, template: str, status: str) -> None:
        """Tell every listener that a request is about to be answered."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(template, status)

    def count(self, template: str, status: str) -> None:
        """Count one request."""
        with self._lock:
            self._by_route[template] += 1
            self._by_status[status] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"total", "by_route", "by_status"}``."""
        with self._lock:
            return {
                "total": sum(self._by_route.values()),
                "by_route": dict(sorted(self._by_route.items())),
                "by_status": dict(sorted(self._by_status.items())),
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._by_route.clear()
            self._by_status.clear()


class CountingWrapper:
    """Outermost ASGI layer: counts requests by route template and status."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], stats: RequestStats):
        self.app = app
        self.routes = routes
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_observed(scope["path"]):
            await self.app(scope, receive, send)
            return
        route = route_of(self.routes, scope)
        template = template_of(route, scope)
        scope[ROUTE_KEY] = route
        scope[RAW_SEND_KEY] = send
        status = "dropped"

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
                self.stats.answering(template, status)
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.stats.count(template, status)


class Recorder:
    """Responses kept for conformance checks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        """Keep one response."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """Every response kept so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every response."""
        with self._lock:
            self._entries.clear()


def _decode(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    if content_type.startswith("application/json"):
        return json.loads(body)
    return body.decode(errors="replace")


class RecordingWrapper:
    """ASGI layer next to the routes: records every API response."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], recorder: Recorder):
        self.app = app
        self.routes = routes
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_observed(scope["path"]):
            await self.app(scope, receive, send)
            return
        status = 0
        headers: dict[str, str] = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers.update({k.decode().lower(): v.decode() for k, v in message.get("headers", [])})
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        route = scope.get(ROUTE_KEY) or route_of(self.routes, scope)
        content_type = headers.get("content-type", "")
        self.recorder.add(
            {
                "operation_id": route.name if route else None,
                "template": template_of(route, scope),
                "status": status,
                "content_type": content_type,
                "body": _decode(bytes(body), content_type),
            }
        )
