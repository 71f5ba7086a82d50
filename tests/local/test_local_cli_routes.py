"""``python -m declarate.local serve``, and the routes outside the served operations."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from local_support import owner_headers

from declarate.local import running_server
from declarate.local.serve import ServerHandle

REPO = Path(__file__).resolve().parents[2]


def _start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "declarate.local", "serve", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press CTRL+C"):
            break
    match = re.search(r"listening on (http://\S+)", "".join(lines))
    assert match, f"no URL printed: {lines!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    return process, match.group(1), lines


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_credentials_answers_health_and_stops_on_signals(tmp_path: Path, stop: int) -> None:
    process, url, lines = _start(
        "--data",
        str(tmp_path / "cli.db"),
        env={"DECLARATE_LOCAL_CLIENT_ID": "cli-id", "DECLARATE_LOCAL_CLIENT_SECRET": "cli-secret"},
    )
    try:
        output = "".join(lines)
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
    result = subprocess.run(
        [sys.executable, "-m", "declarate.local", "serve", "--fail-rate", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
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
