"""The client's connection pools: plain HTTP at once, TLS set up only when an https URL is first sent.

httpx's default transport builds a verifying TLS context as the client is created, loading the CA
certificates: about 0.1 s of CPU on every run, although a run against a local control plane on
http:// never opens a TLS connection. `SchemeTransport` keeps one pool per scheme and builds the
https pool, with httpx's default verification unchanged, on the first https request.

Each scheme's connections are split over small pools (`SHARD_CONNECTIONS` each), and a request goes
to the pool with the fewest requests in flight: httpcore rescans every waiting request against every
connection of its pool whenever a request ends, so one pool of 32 connections cost a plan of 50
projects at 50 ms about 0.4 s of CPU in rescans, and pools of 8 cost a sixteenth of that. Each
rescan also asks every connection of the pool whether the server closed it (two system calls), so
pools of 2 cost about 0.15 ms less client CPU per request than pools of 8 (0.98 -> 0.84 ms at 50 ms,
600 requests, 32 in flight); a second connection per pool still lets an index's data-plane host and
the control plane share a pool without closing each other's connection. It only routes requests:
no retries, no logging, no decisions about what to send.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Callable

import httpx

SHARD_CONNECTIONS = 2


class ShardedPool(httpx.AsyncBaseTransport):
    """Several httpx pools of at most `SHARD_CONNECTIONS` connections; each request to the least busy."""

    def __init__(
        self, limits: httpx.Limits, make: Callable[[httpx.Limits], httpx.AsyncHTTPTransport]
    ) -> None:
        total = limits.max_connections
        count = 1 if total is None else max(1, math.ceil(total / SHARD_CONNECTIONS))
        share = None if total is None else math.ceil(total / count)
        keepalive = limits.max_keepalive_connections
        each = httpx.Limits(
            max_connections=share,
            max_keepalive_connections=None if keepalive is None else math.ceil(keepalive / count),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self.shards = [make(each) for _ in range(count)]
        self._in_flight = [0] * count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self._in_flight.index(min(self._in_flight))
        self._in_flight[index] += 1
        try:
            return await self.shards[index].handle_async_request(request)
        finally:
            self._in_flight[index] -= 1

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()


class SchemeTransport(httpx.AsyncBaseTransport):
    """httpx's transport for each scheme, each built on its first request."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._plain: ShardedPool | None = None
        self._tls: ShardedPool | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.pool_for(request.url.scheme).handle_async_request(request)

    def pool_for(self, scheme: str) -> ShardedPool:
        """The pool that sends a URL of `scheme`: https verified as httpx does, anything else plain."""
        if scheme == "https":
            if self._tls is None:
                # httpx's default verification, made once: each transport would load the CA
                # certificates into a context of its own, once per pool.
                verifying = httpx.create_ssl_context()
                self._tls = ShardedPool(
                    self._limits, lambda limits: httpx.AsyncHTTPTransport(limits=limits, verify=verifying)
                )
            return self._tls
        if self._plain is None:
            # This pool only ever sees http:// (or a scheme httpcore refuses), so it never speaks TLS;
            # should it ever have to, a context that trusts no certificate fails closed.
            untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self._plain = ShardedPool(
                self._limits, lambda limits: httpx.AsyncHTTPTransport(limits=limits, verify=untrusting)
            )
        return self._plain

    async def aclose(self) -> None:
        for pool in (self._plain, self._tls):
            if pool is not None:
                await pool.aclose()
