"""Redaction: every credential the process knows is removed from what it prints, logs and saves.

The unit part checks the registry itself (encodings, longest-first, logging). The fake-server part runs
the real CLI against a tiny Starlette app (not our local control plane) that echoes the credentials it
receives in OAuth, Admin API and control-plane error bodies, raw and encoded; none may be printed.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from declarate import redaction
from declarate.errors import api_error
from tests.e2e.harness import Cli, cli_env

CLIENT_SECRET = "cs-fake-server-client-secret-0123456789"
ACCESS_TOKEN = "at-fake-server-access-token-9876543210"
TEMP_KEY = "pcsk_fake_temporary_key_value_abcdef"
ENV_KEY = "pcsk_fake_env_key_value_for_team_b_0000"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    redaction.forget_all()
    yield
    redaction.forget_all()


def test_a_registered_value_and_its_encodings_are_replaced() -> None:
    secret = "s3cr3t/with+odd=chars&more"
    redaction.register(secret)
    forms = [
        secret,
        quote(secret, safe=""),
        json.dumps(secret)[1:-1],
        base64.b64encode(secret.encode()).decode().rstrip("="),
    ]
    for form in forms:
        assert redaction.redact(f"before {form} after") == f"before {redaction.REDACTED} after"


def test_a_value_containing_another_is_replaced_whole() -> None:
    redaction.register("abcdefgh")
    redaction.register("abcdefgh-and-more")
    assert redaction.redact("x abcdefgh-and-more y") == f"x {redaction.REDACTED} y"


def test_short_values_are_not_registered_so_output_stays_readable() -> None:
    redaction.register("abc")
    assert redaction.redact("abc project") == "abc project"


def test_credential_named_environment_variables_are_registered() -> None:
    redaction.register_environment(
        {"GITHUB_TOKEN": "ghp_tokentokentoken", "MY_DB_PASSWORD": "hunter2hunter2", "HOME": "/home/someone"}
    )
    assert "ghp_" not in redaction.redact("token ghp_tokentokentoken")
    assert "hunter2" not in redaction.redact("pw hunter2hunter2")
    assert redaction.redact("/home/someone") == "/home/someone"


def test_a_server_error_message_is_redacted_where_it_is_built() -> None:
    redaction.register(CLIENT_SECRET)
    error = api_error(401, f"bad-{CLIENT_SECRET}", f"client_secret={CLIENT_SECRET} is wrong")
    assert CLIENT_SECRET not in str(error)
    assert CLIENT_SECRET not in error.message and CLIENT_SECRET not in error.code


def test_the_logging_filter_redacts_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redaction.register(ACCESS_TOKEN)
    logger = logging.getLogger("declarate.test-redaction")
    handler_filter = redaction.RedactingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.DEBUG, logger=logger.name):
            logger.debug("sent Authorization: Bearer %s", ACCESS_TOKEN)
            try:
                raise ValueError(f"body said {ACCESS_TOKEN}")
            except ValueError:
                logger.exception("request failed")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert ACCESS_TOKEN not in caplog.text
    assert "Bearer [redacted]" in caplog.text


# -- a fake server that echoes credentials ---------------------------------------------------------


def _echoing_app(mode: str) -> Starlette:
    """A Pinecone look-alike that puts every credential it receives into its error bodies."""

    async def oauth(request: Request) -> Response:
        body = await request.json()
        secret = str(body.get("client_secret"))
        if mode == "oauth":
            return JSONResponse(
                {
                    "error": "invalid_client",
                    "error_description": f"client_secret={secret} (also {quote(secret, safe='')}) is wrong",
                },
                status_code=401,
            )
        return JSONResponse({"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})

    async def projects(request: Request) -> Response:
        bearer = request.headers.get("authorization", "")
        if mode == "admin":
            return JSONResponse(
                {
                    "status": 403,
                    "error": {
                        "code": "FORBIDDEN",
                        "message": f"{bearer} may not list; secret {CLIENT_SECRET}",
                    },
                },
                status_code=403,
            )
        return JSONResponse({"data": [{"id": "p1", "name": "team-a"}, {"id": "p2", "name": "team-b"}]})

    async def empty(request: Request) -> Response:
        return JSONResponse({"data": []})

    async def mint(request: Request) -> Response:
        body = await request.json()
        key = {"id": "k-temp", "name": body["name"], "project_id": "p1", "roles": body.get("roles", [])}
        return JSONResponse({"key": key, "value": TEMP_KEY}, status_code=201)

    async def delete_key(request: Request) -> Response:
        return Response(status_code=202)

    async def indexes(request: Request) -> Response:
        key = request.headers.get("api-key", "")
        return PlainTextResponse(
            f"Invalid API key {key} (base64 {base64.b64encode(key.encode()).decode()})", 401
        )

    return Starlette(
        routes=[
            Route("/oauth/token", oauth, methods=["POST"]),
            Route("/admin/projects", projects),
            Route("/admin/service-accounts", empty),
            Route("/admin/role-bindings", empty),
            Route("/admin/users", empty),
            Route("/admin/invites", empty),
            Route("/admin/projects/{pid}/api-keys", empty, methods=["GET"]),
            Route("/admin/projects/{pid}/api-keys", mint, methods=["POST"]),
            Route("/admin/api-keys/{kid}", delete_key, methods=["DELETE"]),
            Route("/indexes", indexes),
        ]
    )


@pytest.fixture
def echoing_server(request: pytest.FixtureRequest) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(_echoing_app(request.param), log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the fake server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


CONFIG = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
---
kind: Project
name: team-b
api_key_env: TEAM_B_KEY
"""

EVERY_CREDENTIAL = (CLIENT_SECRET, ACCESS_TOKEN, TEMP_KEY, ENV_KEY)


def _leaks(text: str) -> list[str]:
    found = []
    for value in EVERY_CREDENTIAL:
        for form in (value, quote(value, safe=""), base64.b64encode(value.encode()).decode().rstrip("=")):
            if form in text:
                found.append(form)
    return found


@pytest.mark.parametrize("echoing_server", ["oauth", "admin", "control"], indirect=True)
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_credentials_echoed_in_server_errors_are_never_printed(
    echoing_server: str, fmt: str, tmp_path: Path
) -> None:
    cli = Cli(tmp_path, cli_env(None))
    cli.write("team.yaml", CONFIG)
    summary = tmp_path / "summary.md"
    run = cli(
        "plan",
        "-f",
        "team.yaml",
        "--format",
        fmt,
        extra_env={
            "DECLARATE_API_URL": echoing_server,
            "PINECONE_CLIENT_ID": "fake-client",
            "PINECONE_CLIENT_SECRET": CLIENT_SECRET,
            "TEAM_B_KEY": ENV_KEY,
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "DECLARATE_LOG": "debug",  # the debug log is scanned too
        },
    )
    assert run.code == 1, run.output
    assert "Error:" in run.stderr
    assert "declarate: DEBUG" in run.stderr
    written = summary.read_text() if summary.exists() else ""
    assert _leaks(run.output + written) == [], run.output
