"""Specifications of the client's pacing and error reading: pure, no network."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarate.errors import Conflict, NotFound, RateLimited, ServerError, Unauthorized
from declarate.providers.pinecone.client import Credentials, error_from_response
from declarate.providers.pinecone.pacing import TokenBucket, backoff_delay, parse_retry_after


def response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://x/indexes"), **kwargs)  # type: ignore[arg-type]


def test_2026_07_error_body_gives_code_and_message() -> None:
    body = {"status": 409, "error": {"code": "ALREADY_EXISTS", "message": "Resource already exists"}}
    error = error_from_response(response(409, json=body), "POST", "/indexes")
    assert isinstance(error, Conflict)
    assert (error.status, error.code, error.message) == (409, "ALREADY_EXISTS", "Resource already exists")
    assert "POST /indexes" in str(error)


def test_text_plain_401_of_the_control_plane_is_unauthorized() -> None:
    error = error_from_response(response(401, text="Invalid API key"), "GET", "/indexes")
    assert isinstance(error, Unauthorized)
    assert (error.code, error.message) == ("UNAUTHENTICATED", "Invalid API key")


def test_oauth_error_body_gives_its_description() -> None:
    body = {"error": "invalid_client", "error_description": "Unknown client"}
    error = error_from_response(response(401, json=body), "POST", "/oauth/token")
    assert (error.code, error.message) == ("invalid_client", "Unknown client")


def test_status_without_a_body_still_maps_to_its_error_type() -> None:
    assert isinstance(error_from_response(response(404), "GET", "/x"), NotFound)
    assert isinstance(error_from_response(response(429), "GET", "/x"), RateLimited)
    assert isinstance(error_from_response(response(502), "GET", "/x"), ServerError)


def test_client_secret_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(Credentials("cid", "s3cret"))


@given(attempt=st.integers(1, 20), retry_after=st.one_of(st.none(), st.floats(0, 30)))
def test_backoff_is_bounded_and_honours_retry_after(attempt: int, retry_after: float | None) -> None:
    delay = backoff_delay(attempt, base=0.2, cap=10.0, retry_after=retry_after)
    assert delay >= 0
    if retry_after is None:
        assert delay <= 10.0
    else:
        assert retry_after <= delay <= max(10.0, retry_after * 1.1 + 1e-9)


def test_retry_after_is_read_as_seconds() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_admits_a_burst_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, burst=2.0, clock=clock)
    assert bucket.delay_for_one() == 0.0
    assert bucket.delay_for_one() == 0.0
    assert bucket.delay_for_one() == pytest.approx(0.1)
    clock.now = 0.1
    assert bucket.delay_for_one() == 0.0


def test_a_pause_holds_every_request_until_it_ends() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100.0, clock=clock)
    bucket.pause(2.0)
    assert bucket.delay_for_one() == pytest.approx(2.0)
    clock.now = 2.0
    assert bucket.delay_for_one() == 0.0
