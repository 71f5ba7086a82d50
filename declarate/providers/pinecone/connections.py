"""The client's connection pools: plain HTTP at once, TLS set up only when an https URL is first sent.

httpx's default transport builds a verifying TLS context as the client is created, loading the CA
certificates: about 0.1 s of CPU on every run, although a run against a local control plane on
http:// never opens a TLS connection. `SchemeTransport` keeps one pool per scheme and builds the
https pool, with httpx's default verification unchanged, on the first https request. It only routes
requests: no retries, no logging, no decisions about what to send.
"""

from __future__ import annotations

import ssl

import httpx


class SchemeTransport(httpx.AsyncBaseTransport):
    """httpx's transport for each scheme, each built on its first request."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._plain: httpx.AsyncHTTPTransport | None = None
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.pool_for(request.url.scheme).handle_async_request(request)

    def pool_for(self, scheme: str) -> httpx.AsyncHTTPTransport:
        """The pool that sends a URL of `scheme`: https verified as httpx does, anything else plain."""
        if scheme == "https":
            if self._tls is None:
                self._tls = httpx.AsyncHTTPTransport(limits=self._limits)
            return self._tls
        if self._plain is None:
            # This pool only ever sees http:// (or a scheme httpcore refuses), so it never speaks TLS;
            # should it ever have to, a context that trusts no certificate fails closed.
            self._plain = httpx.AsyncHTTPTransport(
                limits=self._limits, verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            )
        return self._plain

    async def aclose(self) -> None:
        for pool in (self._plain, self._tls):
            if pool is not None:
                await pool.aclose()
