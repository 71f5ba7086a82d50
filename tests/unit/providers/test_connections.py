"""The client's pools: https verified as httpx does by default, set up only when an https URL is sent."""

from __future__ import annotations

import asyncio
import ssl

import httpx

from declarate.providers.pinecone.connections import SHARD_CONNECTIONS, SchemeTransport, ShardedPool

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


def tls_context(pool: ShardedPool) -> ssl.SSLContext:
    assert len(pool.shards) > 1
    contexts = {id(shard._pool._ssl_context) for shard in pool.shards}
    assert len(contexts) == 1  # every shard verifies alike, with the CA certificates loaded once
    context = pool.shards[0]._pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    return context


def test_https_is_verified_against_the_ca_certificates_like_httpx_default() -> None:
    context = tls_context(SchemeTransport(LIMITS).pool_for("https"))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle was loaded


def test_the_plain_pool_would_trust_no_certificate_if_it_ever_met_tls() -> None:
    context = tls_context(SchemeTransport(LIMITS).pool_for("http"))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


def test_plain_http_requests_never_set_up_tls_and_each_scheme_keeps_one_pool() -> None:
    transport = SchemeTransport(LIMITS)
    assert transport.pool_for("http") is transport.pool_for("http")
    assert transport._tls is None
    assert transport.pool_for("https") is transport.pool_for("https") is not transport.pool_for("http")


def test_a_request_goes_out_on_the_pool_of_its_scheme() -> None:
    async def refused() -> str:
        transport = SchemeTransport(LIMITS)
        async with httpx.AsyncClient(transport=transport) as client:
            try:
                await client.get("http://127.0.0.1:9/")  # the discard port: nothing listens
            except httpx.ConnectError as exc:
                return f"{type(exc).__name__} tls={transport._tls is not None}"
        return "answered"

    assert asyncio.run(refused()) == "ConnectError tls=False"


def test_connections_are_split_into_small_pools_that_add_up_to_the_limit() -> None:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    pool = SchemeTransport(limits).pool_for("http")
    assert len(pool.shards) == 32 // SHARD_CONNECTIONS
    assert sum(shard._pool._max_connections for shard in pool.shards) == 32
    assert sum(shard._pool._max_keepalive_connections for shard in pool.shards) == 32
    few = httpx.Limits(max_connections=SHARD_CONNECTIONS, max_keepalive_connections=SHARD_CONNECTIONS)
    one = SchemeTransport(few).pool_for("http")
    assert len(one.shards) == 1 and one.shards[0]._pool._max_connections == SHARD_CONNECTIONS


def test_requests_in_flight_go_to_the_least_busy_pool() -> None:
    served: list[int] = []

    class Slow(httpx.AsyncBaseTransport):
        def __init__(self, number: int) -> None:
            self.number = number

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            served.append(self.number)
            await asyncio.sleep(0.05)
            return httpx.Response(200)

    numbers = iter(range(100))
    pool = ShardedPool(
        httpx.Limits(max_connections=3 * SHARD_CONNECTIONS),
        lambda limits: Slow(next(numbers)),  # type: ignore[arg-type, return-value]
    )

    async def burst() -> None:
        await asyncio.gather(
            *(pool.handle_async_request(httpx.Request("GET", "http://x/")) for _ in range(6))
        )

    asyncio.run(burst())
    assert sorted(served) == [0, 0, 1, 1, 2, 2]
