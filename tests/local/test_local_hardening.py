"""The local control plane under hostile input (DESIGN §9.3 hardening).

Each case is a request an attacker can send without (or with few) credentials: oversized bodies,
forged pagination tokens, out-of-range numbers, absurdly nested JSON, a manager reaching for the
owner's credentials. Each answers a 4xx in the API's shapes, never a 500, and the server stays
small and quiet.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import select
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from local_support import (
    DENSE,
    key_headers,
    new_key,
    new_project,
    owner_headers,
    serve_once,
    serve_process,
    stop_process,
)

from declarate.local import (
    EMBEDDED_CLIENT_ID,
    EMBEDDED_CLIENT_SECRET,
    LocalSettings,
    create_app,
    embedded_transport,
    running_server,
)
from declarate.local.clients import token_request
from declarate.local.serve import ServerHandle

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with running_server() as handle:
        yield handle


@pytest.fixture(scope="module")
def client(server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def owner(server: ServerHandle, client: httpx.Client) -> dict[str, str]:
    return owner_headers(client, server.client_id, server.client_secret)


# --- served in a subprocess: memory and logs are the server's own ---------------------------


def _peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert match
    return int(match.group(1))


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _send_huge_body(url: str, path: str, declared: int | None, total: int) -> bytes:
    """Send up to ``total`` bytes of body and return the response, stopping once one arrives."""
    sock = socket.create_connection(_address(url), timeout=30)
    framing = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()
    )
    chunk = b"a" * MB
    framed = chunk if declared is not None else b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    received = b""
    sock.setblocking(False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 5)
        if readable:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            received += data
            if b"\r\n\r\n" in received:
                head, _, body = received.partition(b"\r\n\r\n")
                length = re.search(rb"content-length: (\d+)", head, re.I)
                if length and len(body) >= int(length.group(1)):
                    break
            continue
        if writable:
            try:
                sent += sock.send(framed)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                sent = total
    sock.close()
    return received


def test_oversized_bodies_answer_413_without_growing_the_server() -> None:
    process, url, _ = serve_process()
    try:
        with httpx.Client(base_url=url) as client:
            assert client.get("/health").status_code == 200
        before = _peak_rss_kb(process.pid)
        # 512 MB announced: refused from the header, before a byte of body is read.
        announced = _send_huge_body(url, "/oauth/token", declared=512 * MB, total=512 * MB)
        # 512 MB chunked (no length): read up to the limit, then cut.
        chunked = _send_huge_body(url, "/oauth/token", declared=None, total=512 * MB)
        for response in (announced, chunked):
            head, _, body = response.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 413"), response[:200]
            assert json.loads(body)["error"] == "invalid_request"
        grown_mb = (_peak_rss_kb(process.pid) - before) / 1024
        assert grown_mb < 64, f"the server grew by {grown_mb:.0f} MB"
        with httpx.Client(base_url=url) as client:
            assert client.get("/health").status_code == 200
    finally:
        err = stop_process(process)
    assert "Traceback" not in err


def test_a_client_that_disconnects_mid_body_is_logged_in_one_line() -> None:
    process, url, _ = serve_process()
    try:
        for _ in range(3):
            sock = socket.create_connection(_address(url), timeout=10)
            sock.sendall(
                b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"grant_type": '
            )
            sock.close()
        time.sleep(0.5)
        with httpx.Client(base_url=url) as client:
            assert client.get("/health").status_code == 200
    finally:
        err = stop_process(process)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "disconnect" in line]
    assert len(lines) == 3, err
    assert all("POST /oauth/token" in line for line in lines)


def test_an_oversized_admin_body_answers_413_in_the_error_shape(server: ServerHandle) -> None:
    with running_server(max_body_bytes=1024) as small, httpx.Client(base_url=small.url) as client:
        headers = owner_headers(client, small.client_id, small.client_secret)
        response = client.post("/admin/projects", content=b" " * 2048, headers=headers)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert client.post("/admin/projects", json={"name": "fits"}, headers=headers).status_code == 200


# --- hostile pagination tokens, numbers and nesting -----------------------------------------


def _token(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _real_token(client: httpx.Client, owner: dict[str, str]) -> dict[str, Any]:
    for name in ("a", "b", "c"):
        client.post("/admin/service-accounts", json={"name": name}, headers=owner)
    page = client.get("/admin/service-accounts", params={"limit": 1}, headers=owner).json()
    token = page["pagination"]["next"]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return decoded


def test_forged_pagination_tokens_answer_400(client: httpx.Client, owner: dict[str, str]) -> None:
    real = _real_token(client, owner)
    fingerprint = json.dumps(real["f"])
    forged = [
        _token({**real, "l": 0}),
        _token({**real, "l": -5}),
        _token({**real, "l": 10**30}),
        _token(f'{{"a":1e400,"l":1,"f":{fingerprint}}}'.encode()),
        _token(f'{{"a":{10**30},"l":1,"f":{fingerprint}}}'.encode()),
        _token({**real, "a": "1"}),
        _token({**real, "a": True}),
        _token([real]),
        _token(b"[" * 5000 + b"]" * 5000),
        _token(b"\xff\xfe"),
        "!!!not-base64!!!",
        "A",
        "x" * 5000,
    ]
    for token in forged:
        response = client.get("/admin/service-accounts", params={"paginationToken": token}, headers=owner)
        assert response.status_code == 400, (token[:60], response.text)
        assert response.json()["error"]["code"] == "INVALID_ARGUMENT"


def test_forged_control_plane_tokens_answer_400(client: httpx.Client, owner: dict[str, str]) -> None:
    keyed = key_headers(new_key(client, owner, new_project(client, owner)["id"]))
    assert client.post("/indexes", json={"name": "paged", "schema": DENSE}, headers=keyed).status_code == 201
    for name in ("one", "two"):
        created = client.post("/indexes/paged/backups", json={"name": name}, headers=keyed)
        assert created.status_code == 200, created.text
    token = client.get("/backups", params={"limit": 1}, headers=keyed).json()["pagination"]["next"]
    real = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    fingerprint = json.dumps(real["f"])
    for forged in (
        _token({**real, "l": 0}),
        _token(f'{{"a":1e400,"l":1,"f":{fingerprint}}}'.encode()),
        _token({**real, "a": -1}),
        "%%%",
    ):
        response = client.get("/backups", params={"paginationToken": forged}, headers=keyed)
        assert response.status_code == 400, (forged, response.text)
    assert client.get("/backups", params={"paginationToken": token}, headers=keyed).status_code == 200


def test_out_of_range_numbers_and_deep_nesting_answer_4xx(
    client: httpx.Client, owner: dict[str, str]
) -> None:
    project = new_project(client, owner)
    keyed = key_headers(new_key(client, owner, project["id"]))
    deep = b"[" * 100_000 + b"]" * 100_000
    deep_object = b'{"name": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    cases: list[tuple[str, str, bytes, dict[str, str], int]] = [
        ("PATCH", f"/admin/projects/{project['id']}", json.dumps({"max_pods": 10**30}).encode(), owner, 400),
        ("PATCH", f"/admin/projects/{project['id']}", b'{"max_pods": 1e400}', owner, 400),
        ("POST", "/admin/projects", b'{"name": "n", "max_pods": -99999999999999999999}', owner, 400),
        ("POST", "/admin/projects", deep, owner, 400),
        ("POST", "/admin/projects", deep_object, owner, 400),
        ("POST", "/indexes", _index_body(b"1e400"), keyed, 422),
        ("POST", "/indexes", _index_body(str(10**30).encode()), keyed, 422),
        ("POST", "/indexes", _index_body(b"NaN"), keyed, 422),
        ("POST", "/indexes", deep, keyed, 422),
        ("PATCH", "/indexes/nope", b'{"tags": ' + deep + b"}", keyed, 422),
        ("POST", "/oauth/token", deep, {}, 400),
    ]
    for method, path, body, headers, status in cases:
        response = client.request(
            method, path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == status, (method, path, body[:50], response.text[:300])
        assert response.json()  # a JSON error body in the family's shape
    listed = client.get("/admin/service-accounts", params={"limit": str(10**30)}, headers=owner)
    assert listed.status_code == 400
    assert client.get("/admin/service-accounts", params={"limit": "1e400"}, headers=owner).status_code == 400


def _index_body(dimension: bytes) -> bytes:
    return (
        b'{"name": "big", "schema": {"fields": {"v": {"type": "dense_vector", "dimension": '
        + dimension
        + b', "metric": "cosine"}}}}'
    )


def test_valid_bodies_still_work(client: httpx.Client, owner: dict[str, str]) -> None:
    project = new_project(client, owner, max_pods=5)
    keyed = key_headers(new_key(client, owner, project["id"]))
    created = client.post("/indexes", json={"name": "ok", "schema": DENSE}, headers=keyed)
    assert created.status_code == 201, created.text


# --- only an OrgOwner manages an OrgOwner's credentials ------------------------------------


def _account(client: httpx.Client, owner: dict[str, str], role: str | None) -> tuple[str, dict[str, str]]:
    bindings = [{"resource_type": "organization", "role": role}] if role else []
    created = client.post(
        "/admin/service-accounts", json={"name": f"sa-{role}", "role_bindings": bindings}, headers=owner
    )
    assert created.status_code == 201, created.text
    body = created.json()
    account = body["service_account"]
    return account["id"], owner_headers(client, account["client_id"], body["client_secret"])


def test_only_an_org_owner_manages_an_org_owners_credentials(
    server: ServerHandle, client: httpx.Client, owner: dict[str, str]
) -> None:
    owner_id = client.get(
        "/admin/role-bindings",
        params={"role": "OrgOwner", "principal_type": "service_account"},
        headers=owner,
    ).json()["data"][0]["principal_id"]
    second_owner_id, _ = _account(client, owner, "OrgOwner")
    other_id, _ = _account(client, owner, "OrgMember")
    _, manager = _account(client, owner, "OrgManager")
    for target in (owner_id, second_owner_id):
        base = f"/admin/service-accounts/{target}"
        assert client.post(f"{base}/rotate-secret", headers=manager).status_code == 403
        assert client.patch(base, json={"name": "taken"}, headers=manager).status_code == 403
        assert client.delete(base, headers=manager).status_code == 403
    # The owner's credentials still work, and the organization keeps its name.
    assert owner_headers(client, server.client_id, server.client_secret)
    org_id = client.get("/admin/organizations", headers=owner).json()["data"][0]["id"]
    renamed = client.patch(f"/admin/organizations/{org_id}", json={"name": "mine"}, headers=manager)
    assert renamed.status_code == 403
    # A manager still manages everyone else's credentials, and an owner manages an owner's.
    assert (
        client.post(f"/admin/service-accounts/{other_id}/rotate-secret", headers=manager).status_code == 200
    )
    rotated = client.post(f"/admin/service-accounts/{second_owner_id}/rotate-secret", headers=owner)
    assert rotated.status_code == 200
    user = client.post(
        "/_local/users", json={"email": "boss@example.com", "role": "OrgOwner"}, headers=owner
    ).json()
    assert client.delete(f"/admin/users/{user['id']}", headers=manager).status_code == 403
    assert client.delete(f"/admin/users/{user['id']}", headers=owner).status_code == 202


# --- data files and the embedded credentials ------------------------------------------------


def test_data_files_are_created_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        db = tmp_path / "local.db"
        app = create_app(LocalSettings(db_path=str(db)))
        with app.context.store.write() as tx:
            tx.set_meta("touched", "yes")
        written = [path for path in tmp_path.iterdir() if path.name.startswith("local.db")]
        assert {path.name for path in written} >= {"local.db", "local.db-wal", "local.db-shm"}
        for path in written:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        app.close()
        loose = tmp_path / "loose.db"
        loose.touch(mode=0o644)
        os.chmod(loose, 0o644)
        create_app(LocalSettings(db_path=str(loose))).close()
        assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    finally:
        os.umask(previous)


def _embedded(db: Path) -> None:
    asyncio.run(embedded_transport(db).aclose())


def test_serve_never_prints_nor_accepts_the_embedded_credentials(tmp_path: Path) -> None:
    db = tmp_path / ".declarate" / "local.db"
    _embedded(db)  # the embedded target created this data file with its fixed credentials
    process, url, output = serve_process("--data", str(db))
    try:
        assert EMBEDDED_CLIENT_SECRET not in output
        assert f"client id:     {EMBEDDED_CLIENT_ID}\n" not in output
        client_id = re.search(r"client id:\s+(\S+)", output)
        secret = re.search(r"client secret:\s+(\S+)", output)
        assert client_id and secret
        with httpx.Client(base_url=url) as client:
            refused = client.post(
                "/oauth/token", json=token_request(EMBEDDED_CLIENT_ID, EMBEDDED_CLIENT_SECRET)
            )
            assert refused.status_code == 401
            assert owner_headers(client, client_id.group(1), secret.group(1))
    finally:
        stop_process(process)
    for flag, value in (("--client-secret", EMBEDDED_CLIENT_SECRET), ("--client-id", EMBEDDED_CLIENT_ID)):
        result = serve_once("--port", "0", flag, value)
        assert result.returncode == 2
        assert "embedded target's fixed credentials" in result.stderr
        assert "Traceback" not in result.stderr
        assert EMBEDDED_CLIENT_SECRET not in result.stdout


def test_the_embedded_target_still_uses_its_credentials_afterserve_process(tmp_path: Path) -> None:
    db = tmp_path / "local.db"
    _embedded(db)
    process, _, _ = serve_process("--data", str(db))
    stop_process(process)
    app = create_app(
        LocalSettings(db_path=str(db), client_id=EMBEDDED_CLIENT_ID, client_secret=EMBEDDED_CLIENT_SECRET)
    )
    try:
        assert app.bootstrap.client_secret == EMBEDDED_CLIENT_SECRET
    finally:
        app.close()
