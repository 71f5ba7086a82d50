"""Two applies of the same config at the same moment end converged, with one of everything.

API key and service account names are not unique server-side, so two runs that both planned the
create would make two of each without the provider's optimistic check (docs/concurrency.md): the
run that finds another object of that name after its own create yields (deletes its own) and
reports `already`. Exactly one secret file per created secret exists across both runs, and it works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pinecone import Pinecone

from declarate.local import running_server
from declarate.model.address import Address
from declarate.model.canonical import canonical_api_key, canonical_service_account
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone import PineconeProvider
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.integration.conftest import MemorySink, make_provider, read_request, run
from tests.reliability.estate import Census, finish, secret_files, start_cli

RACED = """
kind: Organization
service_accounts:
  - name: fleet-ci
role_bindings:
  - service_account: fleet-ci
    role: OrgMember
---
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
api_keys:
  - name: recs-admin
    roles: [ControlPlaneViewer]
role_bindings:
  - service_account: fleet-ci
    role: ProjectViewer
"""
KEY = Address.api_key("team-a", "recs-admin")
ACCOUNT = Address.service_account("fleet-ci")


def oauth_works(server: Any, client_id: str, client_secret: str) -> bool:
    answer = httpx.post(
        server.url + "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "audience": "https://api.pinecone.io/",
        },
    )
    return answer.status_code == 200


def test_two_applies_started_together_converge_with_one_of_everything(tmp_path: Path) -> None:
    # 250 ms per request: both runs are still reading when the other starts, so both plan every create.
    with running_server(ready_after=0, latency_ms=250) as server:
        clis = []
        for name in ("alice", "bob"):
            (tmp_path / name).mkdir()
            cli = Cli(tmp_path / name, cli_env(server))
            cli.write("config/all.yaml", RACED)
            clis.append(cli)
        started = [start_cli(cli, "apply", "-f", "config", "--auto-approve") for cli in clis]
        results = [finish(process) for process in started]

        for result in results:
            assert result.code == 0, result.output
            assert "+ service-account/fleet-ci" in result.stdout  # both planned the create: a real race
        replanned = clis[0]("plan", "-f", "config", "--detailed-exitcode")
        assert replanned.code == 0, replanned.output
        sdk = Sdk(server)
        census = Census.take(sdk)
        assert census.duplicates() == {}
        assert census.temporary_keys() == []

        written = [p for cli in clis for p in secret_files(cli.cwd)]
        assert sorted(p.name for p in written) == [
            "project__team-a__api-key__recs-admin.value",
            "service-account__fleet-ci.client_secret",
        ]
        by_name = {p.name: p.read_text() for p in written}
        key_value = by_name["project__team-a__api-key__recs-admin.value"]
        assert [i.name for i in Pinecone(api_key=key_value, host=server.url).list_indexes()] == ["recs"]
        [account] = [a for a in sdk.admin.service_accounts.list() if a.name == "fleet-ci"]
        assert oauth_works(server, account.client_id, by_name["service-account__fleet-ci.client_secret"])


# -- the same race at the provider level ---------------------------------------------------------


@pytest.fixture
def server() -> Iterator[Any]:
    with running_server(ready_after=0) as handle:
        yield handle


def race(server: Any, change: Change, racers: int = 2) -> tuple[list[ChangeResult], list[MemorySink]]:
    """Each racer reads live state, then all execute the same create at the same moment."""
    sinks = [MemorySink() for _ in range(racers)]
    desired = Resource(change.address, change.after or {})

    async def go() -> list[ChangeResult]:
        providers: list[PineconeProvider] = [make_provider(server) for _ in range(racers)]
        try:
            projects = [change.address.project] if change.address.project else []
            lives = [await p.read(read_request(*projects)) for p in providers]
            return list(
                await asyncio.gather(
                    *(
                        p.execute(change, desired, live.get(change.address), sink, protected=live.protected)
                        for p, live, sink in zip(providers, lives, sinks, strict=True)
                    )
                )
            )
        finally:
            for p in providers:
                await p.aclose()

    return run(go()), sinks


def test_racing_api_key_creates_leave_one_key_and_one_secret(server: Any) -> None:
    sdk = Sdk(server)
    project_id = str(sdk.admin.projects.create(name="team-a").id)
    change = Change(
        KEY, Action.CREATE, after=canonical_api_key({"name": "recs-admin", "roles": ["ControlPlaneViewer"]})
    )

    results, sinks = race(server, change, racers=3)

    assert sorted(r.outcome for r in results) == sorted([Outcome.DONE, Outcome.ALREADY, Outcome.ALREADY])
    keys = [k for k in sdk.admin.api_keys.list(project_id=project_id) if k.name == "recs-admin"]
    assert len(keys) == 1
    stored = [value for sink in sinks for value in sink.stored.values()]
    assert len(stored) == 1  # a yielding racer never hands out a secret
    assert Pinecone(api_key=stored[0], host=server.url).list_indexes().names() == []
    winner = next(r for r in results if r.outcome is Outcome.DONE)
    assert winner.secret_path is not None
    assert all(r.secret_path is None for r in results if r is not winner)


def test_racing_service_account_creates_leave_one_account_and_one_secret(server: Any) -> None:
    sdk = Sdk(server)
    change = Change(ACCOUNT, Action.CREATE, after=canonical_service_account({"name": "fleet-ci"}))

    results, sinks = race(server, change)

    assert sorted(r.outcome for r in results) == sorted([Outcome.DONE, Outcome.ALREADY])
    accounts = [a for a in sdk.admin.service_accounts.list() if a.name == "fleet-ci"]
    assert len(accounts) == 1
    stored = [value for sink in sinks for value in sink.stored.values()]
    assert len(stored) == 1
    assert oauth_works(server, accounts[0].client_id, stored[0])


def test_key_created_by_someone_else_since_the_plan_is_already_there(server: Any) -> None:
    sdk = Sdk(server)
    project_id = str(sdk.admin.projects.create(name="team-a").id)
    change = Change(
        KEY, Action.CREATE, after=canonical_api_key({"name": "recs-admin", "roles": ["ControlPlaneViewer"]})
    )

    async def plan_then_execute() -> ChangeResult:
        async with make_provider(server) as provider:
            live = await provider.read(read_request("team-a"))  # the plan sees no key yet
            sdk.admin.api_keys.create(project_id=project_id, name="recs-admin", roles=["ControlPlaneViewer"])
            return await provider.execute(
                change, Resource(KEY, change.after or {}), live.get(KEY), sink, protected=live.protected
            )

    sink = MemorySink()
    result = run(plan_then_execute())
    assert result.outcome is Outcome.ALREADY
    assert sink.stored == {}
    assert [k.name for k in sdk.admin.api_keys.list(project_id=project_id)].count("recs-admin") == 1
