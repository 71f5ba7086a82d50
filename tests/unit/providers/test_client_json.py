"""Answers decode to exactly what the stdlib's JSON reader makes of them, whichever decoder reads them.

The client decodes with orjson (fast) where orjson agrees with the stdlib, and falls back to the
stdlib where it does not: integers beyond 64 bits (orjson makes them floats), NaN and Infinity,
lone surrogates, other encodings.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.providers.pinecone.answers import MalformedAnswer
from declarate.providers.pinecone.client import ClientOptions, Credentials, PineconeClient


def decoded(body: bytes) -> Any:
    """What the client returns for an answer with this body."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async def go() -> Any:
        options = ClientOptions(
            base_url="http://control.test",
            oauth_url="http://control.test/oauth/token",
            credentials=Credentials("id", "secret"),
            transport=httpx.MockTransport(answer),
        )
        async with PineconeClient(options) as client:
            return await client.control("GET", "/indexes", "key-value")

    return asyncio.run(go())


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**80)
    | st.integers(min_value=-(2**80), max_value=-(2**62))
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from(["utf-8", "utf-16"]), st.booleans())
def test_every_answer_decodes_as_the_stdlib_decodes_it(
    document: Any, encoding: str, ascii_only: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    try:
        body = text.encode(encoding)
    except UnicodeEncodeError:  # a lone surrogate written as itself: no UTF encodes it
        body = json.dumps(document).encode(encoding)

    # repr tells 1 from 1.0 and shows NaN, so the types must match too, not only the values.
    assert repr(decoded(body)) == repr(json.loads(body))


def test_an_integer_beyond_64_bits_stays_exact() -> None:
    assert decoded(b'{"count": 123456789012345678901234567890}') == {"count": 123456789012345678901234567890}
    assert decoded(b"[-9223372036854775809, 18446744073709551616]") == [
        -9223372036854775809,
        18446744073709551616,
    ]


def test_a_body_that_is_not_json_decodes_to_none() -> None:
    assert decoded(b"<html>busy</html>") is None


def test_an_answer_nested_too_deep_to_read_is_a_malformed_answer_not_a_traceback() -> None:
    # Deeper than orjson's 1,024 levels and than Python's recursion limit: the stdlib's reader would
    # raise RecursionError, a traceback for the user; it is one line naming the request instead.
    depth = 100_000
    with pytest.raises(
        MalformedAnswer, match=r"GET /indexes: the server's answer is not what the API describes"
    ):
        decoded(b"[" * depth + b"]" * depth)
