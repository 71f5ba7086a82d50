"""Fixtures of the contract suite: one served local control plane, driven by the official SDK.

The session-scoped ``server`` records every response. Each test that talks to it checks the
responses it caused against the specs (``conforming_responses``), so a non-conforming response fails
the test that provoked it, whatever the order, the ``-k`` selection or the xdist distribution. When
the session ends, if every contract test ran, it also checks that every served operation answered
successfully at least once (``operations_never_exercised``). Under pytest-xdist the whole contract
suite runs on one worker (see ``tests/conftest.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # helpers, whatever pytest's import mode

from contract_support import unique
from pinecone import Admin, Pinecone
from spec_conformance import check_recorded

from declarate.local import running_server
from declarate.local.app import OPERATIONS
from declarate.local.data.operations import DATA_OPERATIONS
from declarate.local.serve import ServerHandle

CONTRACT_DIR = Path(__file__).parent
_partial_selection: list[str] = []  # contract tests deselected (`-k`, `--deselect`) in this session


def pytest_deselected(items: list[pytest.Item]) -> None:
    _partial_selection.extend(item.nodeid for item in items if CONTRACT_DIR in Path(item.path).parents)


class _Checked:
    """How many of the session server's recorded responses were already checked against the specs."""

    upto = 0


def _check_new_responses(server: ServerHandle) -> list[str]:
    """Problems with the responses recorded since the last check (a response can be recorded just
    after its client saw it: it is then checked with the next test's, or when the session ends)."""
    recorded = server.recorded_responses()
    problems = check_recorded(recorded[_Checked.upto :])
    _Checked.upto = len(recorded)
    return problems


def operations_never_exercised(server: ServerHandle) -> set[str]:
    """The served operations that never answered 2xx in this session (empty: all were exercised)."""
    succeeded = {e["operation_id"] for e in server.recorded_responses() if 200 <= e["status"] < 300}
    served = {op.operation_id for op in OPERATIONS + DATA_OPERATIONS if op.handler is not None}
    return served - succeeded


def _ran_whole(session: pytest.Session) -> bool:
    """Whether every contract test was selected and passed (only then can coverage be judged)."""
    files = {Path(item.path) for item in session.items if CONTRACT_DIR in Path(item.path).parents}
    return files == set(CONTRACT_DIR.glob("test_*.py")) and not _partial_selection and not session.testsfailed


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest) -> Iterator[ServerHandle]:
    with running_server(record_responses=True, ready_after=0.0) as handle:
        yield handle
    # The server has stopped: every response it sent is recorded now.
    problems = _check_new_responses(handle)
    assert not problems, f"{len(problems)} responses do not match the spec:\n" + "\n".join(problems)
    if _ran_whole(request.session):
        missed = operations_never_exercised(handle)
        assert not missed, f"served operations no contract test exercised successfully: {sorted(missed)}"


@pytest.fixture(autouse=True)
def conforming_responses(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every response a test causes matches the spec's schema for its operation and status."""
    if "server" not in request.fixturenames:
        yield
        return
    server: ServerHandle = request.getfixturevalue("server")
    yield
    problems = _check_new_responses(server)
    assert not problems, f"{len(problems)} responses do not match the spec:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def admin(server: ServerHandle) -> Iterator[Admin]:
    client = Admin(
        client_id=server.client_id,
        client_secret=server.client_secret,
        host=server.url,
        oauth_url=server.oauth_url,
    )
    yield client
    client.close()


@pytest.fixture
def project(admin: Admin) -> Any:
    """A fresh project (cleaned up best-effort)."""
    created = admin.projects.create(name=unique("proj"))
    yield created


@pytest.fixture
def key_for(server: ServerHandle, admin: Admin) -> Callable[..., Pinecone]:
    """``key_for(project_id, roles=None)``: a Pinecone client authenticated with a new key."""

    def make(project_id: str, roles: list[str] | None = None) -> Pinecone:
        key = admin.api_keys.create(project_id=project_id, name=unique("key"), roles=roles)
        return Pinecone(api_key=key.value, host=server.url)

    return make


@pytest.fixture
def pc(project: Any, key_for: Callable[..., Pinecone]) -> Pinecone:
    """A Pinecone client with a ProjectEditor key of a fresh project."""
    return key_for(project.id)
