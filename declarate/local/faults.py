"""Fault injection for tests and benchmarks: latency, failures, dropped connections, rate limits.

``FaultInjector`` is an ASGI layer outside the Starlette app. For API requests matching
``fault_route`` (all of them when empty; ``/health`` and ``/_local/*`` never) it waits
``latency_ms``, answers 429 with ``Retry-After`` beyond ``rate_limit`` requests per second (a token
bucket), and fails ``fail_rate`` of the requests: 500, 503, or a dropped connection. Half of the
drops happen after the request was applied, so clients meet "did it happen?" for real. Under
uvicorn a drop closes the TCP connection with no response; in process (httpx's ASGI transport,
which has no connection) it raises ``DroppedConnection``, an ``httpx.RemoteProtocolError``, which
is what a client sees when a server hangs up. No business logic.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import LocalSettings
from .stats import RAW_SEND_KEY, is_observed


class DroppedConnection(httpx.RemoteProtocolError):
    """The in-process stand-in for a server that hung up without answering."""

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a response (injected fault).")


class TokenBucket:
    """``rate`` tokens per second, bursts of up to ``rate`` (at least 1)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token: 0.0 on success, else seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


def _route_matches(rules: tuple[str, ...], method: str, path: str) -> bool:
    if not rules:
        return True
    for rule in rules:
        rule_method, _, prefix = rule.partition(" ") if " " in rule else ("", "", rule)
        if path.startswith(prefix) and (not rule_method or rule_method.upper() == method):
            return True
    return False


def _error_body(path: str, status: int, code: str, message: str) -> dict[str, Any]:
    if path.startswith("/oauth"):
        return {
            "error": "temporarily_unavailable" if status != 429 else "too_many_requests",
            "error_description": message,
        }
    return {"status": status, "error": {"code": code, "message": message}}


async def _answer(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    content = json.dumps(body, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


async def _discard(message: Message) -> None:
    """A ``send`` that loses the response (the request is still applied)."""


def _drop(scope: Scope, send: Send) -> None:
    raw_send = scope.get(RAW_SEND_KEY, send)
    cycle = getattr(raw_send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "close"):
        raise DroppedConnection()
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True  # so the server does not answer 500 for us
    transport.close()


class FaultInjector:
    """ASGI layer that injects latency, rate limiting, failures and dropped connections."""

    def __init__(self, app: ASGIApp, settings: LocalSettings):
        self.app = app
        self.settings = settings
        self.random = random.Random(settings.fault_seed)
        self.bucket = TokenBucket(settings.rate_limit) if settings.rate_limit else None
        self.active = bool(settings.latency_ms or settings.fail_rate or self.bucket)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.active
            or scope["type"] != "http"
            or not is_observed(scope["path"])
            or not _route_matches(self.settings.fault_route, scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self.settings.latency_ms:
            await asyncio.sleep(self.settings.latency_ms / 1000.0)
        if self.bucket is not None:
            wait = self.bucket.take()
            if wait:
                retry_after = str(max(1, math.ceil(wait)))
                body = _error_body(
                    path,
                    429,
                    "RESOURCE_EXHAUSTED",
                    f"Too many requests: the rate limit is {self.settings.rate_limit:g} per second.",
                )
                await _answer(send, 429, body, [(b"retry-after", retry_after.encode())])
                return
        if self.settings.fail_rate and self.random.random() < self.settings.fail_rate:
            kind = self.random.choice(self.settings.fail_kinds)
            if kind == "drop":
                if self.random.random() < 0.5:
                    await self.app(scope, receive, _discard)
                _drop(scope, send)
                return
            status = int(kind)
            code = (
                "UNKNOWN"
                if status == 500
                else ("UNAVAILABLE" if path.startswith("/admin") else "SERVICE_UNAVAILABLE")
            )
            message = (
                "Internal server error (injected fault)"
                if status == 500
                else "Service unavailable (injected fault)"
            )
            await _answer(send, status, _error_body(path, status, code, message), [])
            return
        await self.app(scope, receive, send)
