"""``python -m declarate.local serve``, and the routes outside the served operations."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from local_support import owner_headers, serve_once, serve_process

from declarate.local import running_server
from declarate.local.serve import ServerHandle


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_credentials_answers_health_and_stops_on_signals(tmp_path: Path, stop: int) -> None:
    process, url, output = serve_process(
        "--data",
        str(tmp_path / "cli.db"),
        env={"DECLARATE_LOCAL_CLIENT_ID": "cli-id", "DECLARATE_LOCAL_CLIENT_SECRET": "cli-secret"},
    )
    try:
        assert "client id:     cli-id" in output and "client secret: cli-secret" in output
        with httpx.Client(base_url=url) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert owner_headers(client, "cli-id", "cli-secret")
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (tmp_path / "cli.db").exists()


def test_serve_rejects_bad_flags() -> None:
    result = serve_once("--fail-rate", "2")
    assert result.returncode == 2
    assert "fail_rate" in result.stderr


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as handle:
        yield handle


def test_unknown_routes_and_versions(server: ServerHandle) -> None:
    with httpx.Client(base_url=server.url) as client:
        unknown = client.get("/nowhere")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
        headers = owner_headers(client, server.client_id, server.client_secret)
        old = client.get("/admin/projects", headers={**headers, "X-Pinecone-Api-Version": "2025-04"})
        assert old.status_code == 400 and "2026-07" in old.json()["error"]["message"]
        no_version = {"Authorization": headers["Authorization"]}
        assert client.get("/admin/projects", headers=no_version).status_code == 200
        bad_json = client.post("/admin/projects", content=b"{", headers=headers)
        assert bad_json.status_code == 400
