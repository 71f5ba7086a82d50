"""Fixtures of the contract suite: one served local control plane, driven by the official SDK.

The session-scoped ``server`` records every response, and the conformance test (marked
``conformance``) is moved to the end of the run so it checks what the whole suite recorded. Under
pytest-xdist the whole contract suite runs on one worker (see ``tests/conftest.py``).
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

from declarate.local import running_server
from declarate.local.serve import ServerHandle


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: checks the responses the contract suite recorded")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run conformance checks after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("conformance") is not None)


@pytest.fixture(scope="session")
def server() -> Iterator[ServerHandle]:
    with running_server(record_responses=True, ready_after=0.0) as handle:
        yield handle


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
