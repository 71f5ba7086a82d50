"""Fault injection: latency, failures, dropped connections, rate limits, and the request counters."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from local_support import owner_headers

from declarate.local import DroppedConnection, embedded_transport, running_server


def test_latency_delays_api_calls_but_not_health() -> None:
    with running_server(latency_ms=300) as server, httpx.Client(base_url=server.url) as client:
        headers = owner_headers(client, server.client_id, server.client_secret)
        started = time.monotonic()
        assert client.get("/admin/organizations", headers=headers).status_code == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        assert client.get("/health").json() == {"status": "ok"}
        assert time.monotonic() - started < 0.25


@pytest.mark.parametrize("kind", ["500", "503"])
def test_injected_server_errors_use_the_error_shape(kind: str) -> None:
    with (
        running_server(fail_rate=1.0, fail_kinds=(kind,)) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        response = client.get("/admin/projects")
        assert response.status_code == int(kind)
        assert response.json()["status"] == int(kind)
        oauth = client.post("/oauth/token", json={})
        assert oauth.status_code == int(kind) and "error_description" in oauth.json()
        assert client.get("/health").status_code == 200
        assert server.stats()["by_status"] == {kind: 2}


def test_dropped_connections_close_the_socket_without_a_response() -> None:
    with running_server(fail_rate=1.0, fail_kinds=("drop",), fault_seed=7) as server:
        for _ in range(4):
            with httpx.Client(base_url=server.url) as client, pytest.raises(httpx.TransportError):
                client.get("/admin/projects")
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/health").status_code == 200
        assert server.stats()["by_status"] == {"dropped": 4}


def test_half_of_the_drops_happen_after_the_request_was_applied() -> None:
    with (
        running_server(
            fail_rate=1.0, fail_kinds=("drop",), fault_route=("POST /admin/projects",), fault_seed=3
        ) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        headers = owner_headers(client, server.client_id, server.client_secret)
        for position in range(20):
            with httpx.Client(base_url=server.url) as attempt, pytest.raises(httpx.TransportError):
                attempt.post("/admin/projects", json={"name": f"maybe-{position}"}, headers=headers)
        applied = client.get("/admin/projects", headers=headers).json()["data"]
        assert 0 < len(applied) < 20


def test_fail_rate_fails_about_that_fraction() -> None:
    with running_server(fail_rate=0.3, fail_kinds=("500", "503"), fault_seed=11) as server:
        with httpx.Client(base_url=server.url) as client:
            statuses = [client.get("/indexes").status_code for _ in range(200)]
        failures = sum(status >= 500 for status in statuses)
        assert 35 <= failures <= 85
        assert statuses.count(401) == 200 - failures


def test_rate_limit_answers_429_with_retry_after() -> None:
    with running_server(rate_limit=5) as server, httpx.Client(base_url=server.url) as client:
        statuses = []
        started = time.monotonic()
        for _ in range(20):
            response = client.get("/indexes")
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
                assert response.json()["error"]["code"] == "RESOURCE_EXHAUSTED"
        elapsed = time.monotonic() - started
        allowed = statuses.count(401)  # let through (and refused for the missing key)
        assert 5 <= allowed <= 5 + int(elapsed * 5) + 1  # a burst of 5, then 5 per second
        assert statuses.count(429) == 20 - allowed
        assert all(client.get("/health").status_code == 200 for _ in range(10))
        time.sleep(0.45)
        assert client.get("/indexes").status_code == 401


def test_fault_route_limits_faults_to_matching_routes() -> None:
    with (
        running_server(rate_limit=1, fault_route=("/indexes",)) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        headers = owner_headers(client, server.client_id, server.client_secret)
        assert all(client.get("/admin/projects", headers=headers).status_code == 200 for _ in range(5))
        statuses = [client.get("/indexes").status_code for _ in range(5)]
        assert 429 in statuses


def test_in_process_drops_raise_a_transport_error(tmp_path: Path) -> None:
    transport = embedded_transport(tmp_path / "faulty.db", fail_rate=1.0, fail_kinds=("drop",))

    async def call() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://declarate.local") as client:
            assert (await client.get("/health")).status_code == 200
            with pytest.raises(DroppedConnection) as caught:
                await client.get("/admin/projects")
            assert isinstance(caught.value, httpx.TransportError)

    asyncio.run(call())


def test_stats_count_route_templates_and_statuses() -> None:
    with running_server() as server, httpx.Client(base_url=server.url) as client:
        headers = owner_headers(client, server.client_id, server.client_secret)
        client.get("/admin/projects/00000000-0000-4000-8000-000000000000", headers=headers)
        client.get("/admin/projects", headers=headers)
        client.get("/health")
        stats = client.get("/_local/stats").json()
        assert stats == {
            "total": 3,
            "by_route": {
                "GET /admin/projects": 1,
                "GET /admin/projects/{project_id}": 1,
                "POST /oauth/token": 1,
            },
            "by_status": {"200": 2, "404": 1},
        }
        assert server.stats() == stats
        assert client.delete("/_local/stats").status_code == 204
        assert client.get("/_local/stats").json() == {"total": 0, "by_route": {}, "by_status": {}}


def test_answer_listeners_hear_each_api_request_after_it_was_applied_and_before_its_answer() -> None:
    heard: list[tuple[str, str, int]] = []
    with running_server() as server, httpx.Client(base_url=server.url) as client:
        headers = owner_headers(client, server.client_id, server.client_secret)

        def listener(template: str, status: str) -> None:
            # The project the POST creates is already stored when its answer is about to leave.
            with server.app.context.store.read() as tx:
                stored = tx.scalar("SELECT count(*) FROM projects WHERE name = 'heard'")
            heard.append((template, status, stored))

        stop = server.on_answer(listener)
        created = client.post("/admin/projects", json={"name": "heard"}, headers=headers)
        assert client.get("/health").status_code == 200
        stop()
        assert client.get("/admin/projects", headers=headers).status_code == 200

    assert created.status_code == 200
    assert heard == [("POST /admin/projects", "200", 1)]
