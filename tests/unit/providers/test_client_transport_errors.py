"""Transport failures the client reports: the full URL, in words, retried only when a retry can help."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from declarate.errors import ConnectionFailed, TargetError
from declarate.providers.pinecone.client import ClientOptions, Credentials, PineconeClient
from declarate.providers.pinecone.transport import shown_url


def client(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> PineconeClient:
    options = ClientOptions(
        base_url=base_url,
        oauth_url=base_url + "/oauth/token",
        credentials=Credentials("id", "s3cret"),
        backoff_base=0.001,
        backoff_cap=0.001,
        transport=transport,
    )
    return PineconeClient(options)


async def send(pinecone: PineconeClient, path: str) -> None:
    async with pinecone:
        await pinecone.control("GET", path, "key-value")


@pytest.mark.parametrize("base_url", ["localhost:5999", "ftp://example.com"])
def test_a_url_without_an_http_scheme_fails_at_once_and_says_add_http(base_url: str) -> None:
    pinecone = client(base_url)
    with pytest.raises(TargetError, match="add http:// or https://"):
        asyncio.run(send(pinecone, "/indexes"))
    assert (pinecone.stats.requests, pinecone.stats.retries) == (1, 0)


def test_a_refused_connection_is_retried_then_named_with_its_full_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("All connection attempts failed") from ConnectionRefusedError(111, "refused")

    pinecone = client("http://127.0.0.1:5999", httpx.MockTransport(refuse))
    with pytest.raises(ConnectionFailed) as failure:
        asyncio.run(send(pinecone, "/indexes?paginationToken=secret-cursor"))
    assert str(failure.value) == "GET http://127.0.0.1:5999/indexes: connection refused after 6 attempts"
    assert pinecone.stats.requests == 6


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.pinecone.io/admin/projects?token=abc", "https://api.pinecone.io/admin/projects"),
        ("http://user:pw@localhost:5080/oauth/token", "http://localhost:5080/oauth/token"),
        ("http://[::1]:5080/x", "http://[::1]:5080/x"),
    ],
)
def test_a_shown_url_carries_no_query_or_user_info(url: str, shown: str) -> None:
    assert shown_url(url) == shown
