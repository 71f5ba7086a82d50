"""Integration fixtures: a local control plane served over real HTTP on a free loopback port.

Each test gets a fresh in-memory control plane (cheap: no file, indexes Ready at once), a way to
build PineconeProviders against it, and the official SDK to arrange live state the way a user would.
Tests are synchronous and drive the async provider through `run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from pinecone import Admin, Pinecone

from declarate.local import running_server
from declarate.model.address import Address
from declarate.model.plan import Change
from declarate.model.state import ScopeDirectives
from declarate.providers.base import ChangeResult, ReadRequest
from declarate.providers.pinecone import (
    ClientOptions,
    Credentials,
    PineconeClient,
    PineconeProvider,
    ProviderOptions,
)

T = TypeVar("T")


def run(awaitable: Awaitable[T]) -> T:
    """Drive one coroutine to completion (the tests are synchronous)."""

    async def main() -> T:
        return await awaitable

    return asyncio.run(main())


@pytest.fixture
def server() -> Iterator[Any]:
    with running_server(ready_after=0) as handle:
        yield handle


def make_provider(
    server: Any,
    *,
    environ: Mapping[str, str] | None = None,
    options: ProviderOptions | None = None,
    **client: Any,
) -> PineconeProvider:
    """A provider for `server`; fast pacing and backoff unless a test says otherwise."""
    settings: dict[str, Any] = {"rate_limit": 1000.0, "backoff_base": 0.01, "backoff_cap": 0.1, **client}
    client_options = ClientOptions(
        base_url=server.url,
        oauth_url=server.url + "/oauth/token",
        credentials=Credentials(server.client_id, server.client_secret),
        **settings,
    )
    return PineconeProvider(
        PineconeClient(client_options),
        target=server.url,
        options=options or ProviderOptions(poll_initial=0.01, poll_cap=0.05, wait_timeout=20.0),
        environ=environ if environ is not None else {},
    )


def read_request(*projects: str, **api_key_env: str) -> ReadRequest:
    """Read these projects whole; `api_key_env={"proj": "VAR"}` style directives as keywords."""
    directives = {f"project/{p}": ScopeDirectives(api_key_env=var) for p, var in api_key_env.items()}
    return ReadRequest(projects=list(projects), directives=directives)


@dataclass
class MemorySink:
    """A SecretSink that keeps secrets in memory so tests can check where they went (and nowhere else)."""

    stored: dict[tuple[Address, str], str] = field(default_factory=dict)

    def store(self, address: Address, field: str, value: str) -> str:
        self.stored[(address, field)] = value
        return f"memory/{address}/{field}"

    def discard(self, path: str) -> None:
        address = next(a for a, f in self.stored if f"memory/{a}/{f}" == path)
        self.stored = {k: v for k, v in self.stored.items() if k[0] != address}


@dataclass
class RecordingObserver:
    states: list[tuple[str, str]] = field(default_factory=list)

    def planned(self, changes: Sequence[Change]) -> None:
        pass

    def started(self, change: Change) -> None:
        pass

    def waiting(self, change: Change, state: str) -> None:
        self.states.append((str(change.address), state))

    def finished(self, change: Change, result: ChangeResult) -> None:
        pass


class Estate:
    """Arranges live state through the official SDK, as a user of Pinecone would."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.admin = Admin(
            client_id=server.client_id,
            client_secret=server.client_secret,
            host=server.url,
            oauth_url=server.url + "/oauth/token",
        )
        self._project_keys: dict[str, str] = {}

    def project(self, name: str, **settings: Any) -> str:
        return str(self.admin.projects.create(name=name, **settings).id)

    def project_id(self, name: str) -> str:
        return next(str(p.id) for p in self.admin.projects.list() if p.name == name)

    def key(self, project_id: str, name: str, roles: list[str] | None = None) -> str:
        created = self.admin.api_keys.create(project_id=project_id, name=name, roles=roles)
        return str(created.value)

    def key_names(self, project_id: str) -> list[str]:
        return sorted(str(k.name) for k in self.admin.api_keys.list(project_id=project_id))

    def control(self, project_id: str) -> Pinecone:
        """An SDK control-plane client holding a ProjectEditor key of the project."""
        if project_id not in self._project_keys:
            self._project_keys[project_id] = self.key(project_id, "estate-setup")
        return Pinecone(api_key=self._project_keys[project_id], host=self.server.url)

    def index(self, project_id: str, **spec: Any) -> None:
        self.control(project_id).indexes.create(**spec)

    def bearer(self) -> str:
        answer = httpx.post(
            self.server.url + "/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": self.server.client_id,
                "client_secret": self.server.client_secret,
                "audience": "https://api.pinecone.io/",
            },
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def local(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """A local-only hook (`/_local/...`) with the owner's bearer token."""
        answer = httpx.request(
            method, self.server.url + path, json=body, headers={"Authorization": f"Bearer {self.bearer()}"}
        )
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def user(self, email: str) -> str:
        """An organization member (joined, not invited)."""
        return str(self.local("POST", "/_local/users", {"email": email, "name": email.split("@")[0]})["id"])

    def requests_served(self) -> int:
        return int(httpx.get(self.server.url + "/_local/stats").json()["total"])

    def served_by_route(self) -> dict[str, int]:
        return dict(httpx.get(self.server.url + "/_local/stats").json()["by_route"])


@pytest.fixture
def estate(server: Any) -> Estate:
    return Estate(server)
