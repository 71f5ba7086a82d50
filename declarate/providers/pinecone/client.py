"""PineconeClient: authenticated, paced and retried HTTP calls to one Pinecone-compatible target.

It knows the transport facts of API 2026-07 (version header, OAuth client credentials, Bearer for
`/admin/*`, `Api-Key` for the control plane, pagination, error bodies) and nothing about resources:
it returns decoded JSON and raises `declarate.errors` exceptions. It logs each attempt at DEBUG to the
`declarate.http` logger (method, URL without query, status, latency, retries); neither a log record
nor an exception it raises contains a header, a body or a query string, where credentials travel.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from declarate import redaction
from declarate.errors import ApiError, ConnectionFailed, DeclarateError, TargetError, Unauthorized, api_error
from declarate.providers.pinecone.bodies import json_body
from declarate.providers.pinecone.connections import SchemeTransport
from declarate.providers.pinecone.pacing import TokenBucket, backoff_delay, parse_retry_after
from declarate.providers.pinecone.slots import Slots
from declarate.providers.pinecone.transport import data_url, shown_url, transport_problem

API_VERSION = "2026-07"
API_VERSION_HEADER = "X-Pinecone-Api-Version"
OAUTH_AUDIENCE = "https://api.pinecone.io/"
PAGINATION_TOKEN_PARAM = "paginationToken"  # the spec's query parameter for `pagination.next`

# Failures after which the request surely did not take effect: safe to resend even a create.
_UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures that every retry would meet again: the URL itself cannot be used.
_UNUSABLE_URL_ERRORS = (httpx.UnsupportedProtocol,)
_ERROR_TEXT_MAX = 500

# httpcore imports `sniffio` on every request to learn the async library; when it is not installed
# (anyio 4 no longer needs it), each failed import searches sys.path again, since Python caches only
# imports that succeed: about 0.1 ms per request. Recording the absence once makes the import fail
# at once, and httpcore then assumes asyncio, which is what runs here.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

# One DEBUG record per HTTP attempt (method, URL without query, status, latency, attempt) and per
# retry wait. Never headers, bodies or query strings: those are where credentials travel.
log = logging.getLogger("declarate.http")


@dataclass(frozen=True)
class Credentials:
    """A service account's OAuth client credentials. The secret never shows in a repr."""

    client_id: str
    client_secret: str = field(repr=False)  # registered for redaction where the target is chosen


@dataclass(frozen=True)
class ClientOptions:
    """Where and how to talk: endpoints, credentials, pacing, retries and timeouts."""

    base_url: str
    oauth_url: str
    credentials: Credentials
    rate_limit: float = 100.0  # requests per second, client side (a server 429 pauses it further)
    max_concurrency: int = 16  # requests in flight at once
    max_attempts: int = 6  # per request, the first one included
    timeout: float = 30.0  # seconds per attempt
    backoff_base: float = 0.2
    backoff_cap: float = 10.0
    max_retry_after: float = 60.0  # never sleep longer than this on a server's Retry-After
    transport: httpx.AsyncBaseTransport | None = None  # e.g. the in-process local control plane
    clock: Callable[[], float] = time.monotonic  # when a token is due for renewal (tests move it)


@dataclass
class RequestStats:
    """What the client sent, for diagnostics and benchmarks (never timings)."""

    requests: int = 0  # HTTP requests sent, retries and token requests included
    retries: int = 0
    by_route: Counter[str] = field(default_factory=Counter)  # "GET /indexes" -> count


class AmbiguousFailure(ConnectionFailed):
    """The request may or may not have taken effect (a 5xx, or a connection lost after sending).

    Raised instead of retrying when the caller said a blind resend is unsafe, so it can check.
    """


class PineconeClient:
    """One target's HTTP client. Use `async with`, or call `aclose()`."""

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self.stats = RequestStats()
        # As many kept-alive connections as requests in flight: httpx keeps 20 by default, so
        # above that every request beyond the 20th would open (and close) a connection of its own.
        limits = httpx.Limits(
            max_connections=options.max_concurrency, max_keepalive_connections=options.max_concurrency
        )
        self._http = httpx.AsyncClient(
            base_url=options.base_url.rstrip("/"),
            transport=options.transport or SchemeTransport(limits),
            timeout=httpx.Timeout(options.timeout, connect=min(10.0, options.timeout)),
            headers={API_VERSION_HEADER: API_VERSION},
        )
        # Two seconds' worth of burst: reading live state is one burst of about four requests per
        # project (205 for 50 projects) that a server answers in a few round trips; held to the
        # average rate from the first request, it would add a second to every plan. A long apply
        # is still held to `rate_limit` on average, and a server that disagrees answers 429 with
        # Retry-After, which pauses the whole bucket.
        self._bucket = TokenBucket(options.rate_limit, burst=2 * options.rate_limit)
        self._slots = Slots(options.max_concurrency)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._token_fetches = 0  # fetches finished, so a waiter can tell one ended while it queued
        self._token_error: DeclarateError | None = None

    async def __aenter__(self) -> PineconeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- public calls -------------------------------------------------------------------------

    async def admin(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry_ambiguous: bool = True,
        urgent: bool = False,
    ) -> Any:
        """An Admin API call with a Bearer token (fetched, cached, refreshed once on a 401); an
        `urgent` one is sent before the requests already waiting for a slot."""
        rejected: str | None = None
        while True:
            token = await self._bearer_token(rejected=rejected)
            try:
                return await self._send(
                    method,
                    path,
                    {"Authorization": f"Bearer {token}"},
                    json=json,
                    params=params,
                    retry_ambiguous=retry_ambiguous,
                    urgent=urgent,
                )
            except Unauthorized:
                if rejected is not None:
                    raise
                rejected = token  # expired or revoked early: fetch a new one, once

    async def control(
        self,
        method: str,
        path: str,
        api_key: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry_ambiguous: bool = True,
    ) -> Any:
        """A control-plane call authenticated with a project API key."""
        return await self._send(
            method, path, {"Api-Key": api_key}, json=json, params=params, retry_ambiguous=retry_ambiguous
        )

    async def data(
        self,
        method: str,
        host: str,
        path: str,
        api_key: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """A data-plane call to an index's `host` (as describe returns it) with a project API key.

        Reads only: every attempt may be resent. A bare host gets `https://`, as the SDK does.
        """
        return await self._send(
            method, data_url(host, path), {"Api-Key": api_key}, json=json, params=params, retry_ambiguous=True
        )

    async def admin_pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated Admin list (`data` + `pagination.next`), all pages fetched."""
        items: list[dict[str, Any]] = []
        query = dict(params or {})
        seen: set[str] = set()
        while True:
            # A next page goes before requests that came after the list began: the list is read
            # sooner, and what those requests create cannot spill into pages still to read.
            page = await self.admin("GET", path, params=query, urgent=PAGINATION_TOKEN_PARAM in query)
            items.extend(page.get("data") or [])
            following = (page.get("pagination") or {}).get("next")
            if not following or following in seen:  # a repeated cursor would loop forever
                return items
            seen.add(following)
            query[PAGINATION_TOKEN_PARAM] = following

    # -- OAuth --------------------------------------------------------------------------------

    async def _bearer_token(self, *, rejected: str | None = None) -> str:
        """The cached token, or a new one when it is about to expire or the server `rejected` it."""
        fetches_seen = self._token_fetches
        async with self._token_lock:
            if self._token_fetches != fetches_seen and self._token_error is not None:
                raise self._token_error  # a fetch failed while we queued: do not repeat it at once
            cached = self._token
            if cached is not None and cached != rejected and self.options.clock() < self._token_expires:
                return cached
            self._token_error = None
            try:
                return await self._fetch_token()
            except DeclarateError as exc:
                self._token_error = exc
                raise
            finally:
                self._token_fetches += 1

    async def _fetch_token(self) -> str:
        """Exchange the client credentials for a token and remember it (called under the lock)."""
        creds = self.options.credentials
        body = {
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "audience": OAUTH_AUDIENCE,
        }
        try:
            answer = await self._send("POST", self.options.oauth_url, {}, json=body, retry_ambiguous=True)
        except ApiError as exc:
            hint = "; check the client id and secret" if exc.status in (400, 401, 403) else ""
            raise api_error(
                exc.status,
                exc.code,
                f"could not get an OAuth token: {exc.message}{hint}",
                method="POST",
                url=self.options.oauth_url,
            ) from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise api_error(200, "INVALID_TOKEN_RESPONSE", "the OAuth answer holds no access_token")
        redaction.register(token)  # before anything can echo it
        lifetime = float(answer.get("expires_in") or 3600)
        # Refresh a little before expiry so a token never dies between check and use.
        self._token = token
        self._token_expires = self.options.clock() + lifetime - min(60.0, lifetime * 0.1)
        return token

    # -- one request with pacing and retries ----------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry_ambiguous: bool,
        urgent: bool = False,
    ) -> Any:
        route = f"{method} {_route_of(url)}"
        attempts = self.options.max_attempts
        logging_on = log.isEnabledFor(logging.DEBUG)
        for attempt in range(1, attempts + 1):
            await self._bucket.acquire()
            lost: httpx.TransportError | None = None
            async with self._slots.held(urgent=urgent):  # released before any backoff sleep
                self.stats.requests += 1
                self.stats.by_route[route] += 1
                sent_at = time.monotonic()
                try:
                    response = await self._http.request(
                        method, url, headers=headers, json=json, params=params
                    )
                except httpx.TransportError as exc:
                    lost = exc
                except httpx.InvalidURL as exc:
                    raise TargetError(f"{method} {self._shown_url(url)}: invalid URL ({exc})") from None
                elapsed_ms = (time.monotonic() - sent_at) * 1000
            if lost is not None:
                where = f"{method} {self._shown_url(url)}"
                problem = transport_problem(lost)
                if logging_on:
                    log.debug(
                        "%s -> %s in %.0f ms (attempt %d of %d)",
                        where,
                        problem,
                        elapsed_ms,
                        attempt,
                        attempts,
                    )
                if isinstance(lost, _UNUSABLE_URL_ERRORS):  # the same on every attempt: say so at once
                    raise TargetError(f"{where}: {problem}") from None
                unsent = isinstance(lost, _UNSENT_ERRORS)
                if attempt == attempts or not (unsent or retry_ambiguous):
                    failure = ConnectionFailed if unsent else AmbiguousFailure
                    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                    raise failure(f"{where}: {problem} after {tries}") from None
                await self._retry_pause(attempt, None, where)
                continue
            status = response.status_code
            if logging_on:
                log.debug(
                    "%s %s -> %d in %.0f ms (attempt %d of %d)",
                    method,
                    self._shown_url(url),
                    status,
                    elapsed_ms,
                    attempt,
                    attempts,
                )
            if status < 400:
                return json_body(response)
            error = error_from_response(response, method, _route_of(url))
            # 429 and 503 mean the request was not carried out: always safe to send again.
            retryable = status in (429, 503) or (status >= 500 and retry_ambiguous)
            if not retryable or attempt == attempts:
                if status >= 500 and not retry_ambiguous:
                    raise AmbiguousFailure(str(error)) from None
                raise error
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if status == 429 and retry_after:
                self._bucket.pause(min(retry_after, self.options.max_retry_after))
            await self._retry_pause(attempt, retry_after, f"{method} {self._shown_url(url)}")
        raise AssertionError("unreachable")

    async def _retry_pause(self, attempt: int, retry_after: float | None, where: str) -> None:
        self.stats.retries += 1
        if retry_after is not None:
            retry_after = min(retry_after, self.options.max_retry_after)
        delay = backoff_delay(
            attempt, base=self.options.backoff_base, cap=self.options.backoff_cap, retry_after=retry_after
        )
        told = f", the server asked for {retry_after:g} s" if retry_after is not None else ""
        log.debug(
            "%s: retry %d of %d in %.2f s%s", where, attempt, self.options.max_attempts - 1, delay, told
        )
        await asyncio.sleep(delay)

    def _shown_url(self, url: str) -> str:
        """The full URL a request went to, without query or user info (where credentials could hide)."""
        full = url if "://" in url or not url.startswith("/") else self.options.base_url.rstrip("/") + url
        return shown_url(full)


def _route_of(url: str) -> str:
    """The path of a URL without host or query: safe to show, never carries a credential."""
    return httpx.URL(url).path or "/"


def error_from_response(response: httpx.Response, method: str, route: str) -> ApiError:
    """The typed error for a failed response, from any of the three 2026-07 error shapes.

    `{status, error: {code, message}}` (Admin and control plane), `{error, error_description}`
    (OAuth), or a text/plain body (the control plane's 401).
    """
    status = response.status_code
    code = _default_code(status)
    message = response.reason_phrase or "error"
    body: Any = None
    try:
        body = response.json() if response.content else None
    except ValueError:
        text = response.text.strip()
        if text:
            message = text
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code") or code)
            message = str(error.get("message") or message)
        elif isinstance(error, str):
            code = error
            message = str(body.get("error_description") or error)
        elif isinstance(body.get("message"), str):
            message = body["message"]
    # Redacted before it is cut short: a cut could leave half a credential that no longer matches.
    message = redaction.redact(message)[:_ERROR_TEXT_MAX]
    return api_error(status, redaction.redact(code)[:100], message, method=method, url=route)


_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    422: "UNPROCESSABLE_ENTITY",
    429: "RESOURCE_EXHAUSTED",
}


def _default_code(status: int) -> str:
    if status in _CODES:
        return _CODES[status]
    return "UNAVAILABLE" if status == 503 else ("INTERNAL" if status >= 500 else "UNKNOWN")


async def send_create(
    send: Callable[[], Awaitable[Any]],
    recover: Callable[[], Awaitable[Any]],
    *,
    attempts: int = 3,
) -> Any:
    """Send a create that must not be repeated blindly (it has no 409 to make a resend safe).

    After an ambiguous failure `recover` looks at what the lost attempt may have made: it returns
    the object to accept as created, or None (having cleaned up) to send again. The last attempt is
    recovered too before the failure is raised: an API key made by a lost last answer, and never
    swept, would stay live with a secret nobody ever saw.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except AmbiguousFailure:
            found = await recover()
            if found is not None:
                return found
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
