"""Raw-HTTP helpers for the local control plane tests (no SDK: its retries would hide faults), and a
`declarate local serve` process started and stopped as a user would."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from declarate.local.clients import token_request

REPO = Path(__file__).resolve().parents[2]
VERSION = {"X-Pinecone-Api-Version": "2026-07"}
DENSE = {"fields": {"v": {"type": "dense_vector", "dimension": 4, "metric": "cosine"}}}


def owner_headers(client: httpx.Client, client_id: str, client_secret: str) -> dict[str, str]:
    """Bearer headers for the given service account credentials."""
    response = client.post("/oauth/token", json=token_request(client_id, client_secret))
    response.raise_for_status()
    return {**VERSION, "Authorization": f"Bearer {response.json()['access_token']}"}


def new_project(client: httpx.Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a project with a unique name."""
    response = client.post(
        "/admin/projects", json={"name": f"p-{uuid.uuid4().hex[:10]}", **fields}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def new_key(
    client: httpx.Client, headers: dict[str, str], project_id: str, roles: list[str] | None = None
) -> str:
    """Create an API key; the ``Api-Key`` header value."""
    body: dict[str, Any] = {"name": "k"}
    if roles is not None:
        body["roles"] = roles
    response = client.post(f"/admin/projects/{project_id}/api-keys", json=body, headers=headers)
    assert response.status_code == 201, response.text
    value: str = response.json()["value"]
    return value


def key_headers(value: str) -> dict[str, str]:
    """Control-plane headers for an API key."""
    return {**VERSION, "Api-Key": value}


def serve_process(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    """`python -m declarate.local serve --port 0 ARGS` running: the process, its URL and what it printed
    until it was ready. A process that prints no URL is killed and fails the test with its output."""
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
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press CTRL+C"):
            break
    output = "".join(lines)
    match = re.search(r"listening on (http://\S+)", output)
    if not match:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"serve did not start: {output!r} {err!r}")
    return process, match.group(1), output


def serve_once(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m declarate.local serve ARGS` run to its end (a usage error ends it at once)."""
    return subprocess.run(
        [sys.executable, "-m", "declarate.local", "serve", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )


def stop_process(process: subprocess.Popen[str]) -> str:
    """Stop a served process with SIGTERM (killed after 15 s); what it wrote to stderr."""
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err
