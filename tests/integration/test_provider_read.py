"""Specifications of PineconeProvider.read against a served local control plane.

Live objects are arranged with the official SDK, as a user would; what the provider reads back must be
the canonical form config normalizes to, at a cost of O(projects) requests.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from declarate.config.document import SourceDocument
from declarate.config.normalize import normalize
from declarate.errors import ConnectionFailed, ServerError, TargetError, Unauthorized
from declarate.local import clock, running_server
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.providers.pinecone import ClientOptions, Credentials, PineconeClient, PineconeProvider
from declarate.targets import TargetOptions, open_provider
from tests.integration.conftest import Estate, MemorySink, make_provider, read_request, run


def read(provider: PineconeProvider, *projects: str, **api_key_env: str) -> State:
    async def go() -> State:
        async with provider:
            return await provider.read(read_request(*projects, **api_key_env))

    return run(go())


def attrs_of(state: State, address: Address) -> dict[str, Any]:
    resource = state.get(address)
    assert resource is not None, f"{address} was not read"
    return dict(resource.attrs)


def temporary_keys(estate: Estate, project_id: str) -> list[str]:
    return [name for name in estate.key_names(project_id) if name.startswith("declarate-tmp-")]


# -- what is read --------------------------------------------------------------------------------


def test_objects_made_with_the_sdk_read_back_in_canonical_form(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team", max_pods=2)
    estate.index(
        project_id,
        name="apparel-recs",
        dimension=1536,
        metric="dotproduct",
        tags={"team": "apparel"},
        deletion_protection="enabled",
    )
    estate.index(
        project_id,
        name="apparel-search",
        schema={
            "fields": {
                "embedding": {"type": "dense_vector", "dimension": 768, "metric": "euclidean"},
                "body": {"type": "string", "full_text_search": {"language": "en"}},
            }
        },
        deployment={"deployment_type": "managed", "cloud": "gcp", "region": "us-central1"},
    )
    estate.index(
        project_id, name="apparel-sparse", schema={"fields": {"_sparse_values": {"type": "sparse_vector"}}}
    )
    estate.key(project_id, "recs-service", roles=["DataPlaneEditor", "ControlPlaneViewer"])
    account = estate.admin.service_accounts.create(name="recs-ci").service_account
    estate.admin.role_bindings.create(
        principal_type="service_account",
        principal_id=account.id,
        resource_type="project",
        resource_id=project_id,
        role="ProjectViewer",
    )

    live = read(make_provider(server), "apparel-team")

    assert attrs_of(live, Address.project_("apparel-team")) == {
        "name": "apparel-team",
        "max_pods": 2,
        "force_encryption_with_cmek": False,
    }
    assert attrs_of(live, Address.index("apparel-team", "apparel-recs")) == {
        "name": "apparel-recs",
        "schema": {
            "fields": {"_values": {"type": "dense_vector", "dimension": 1536, "metric": "dotproduct"}}
        },
        "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
        "deletion_protection": "enabled",
        "tags": {"team": "apparel"},
        "read_capacity": {"mode": "OnDemand"},
    }
    assert attrs_of(live, Address.index("apparel-team", "apparel-search")) == {
        "name": "apparel-search",
        "schema": {
            "fields": {
                "body": {
                    "type": "string",
                    "full_text_search": {"language": "en", "stemming": False, "stop_words": False},
                },
                "embedding": {"type": "dense_vector", "dimension": 768, "metric": "euclidean"},
            }
        },
        "deployment": {"deployment_type": "managed", "cloud": "gcp", "region": "us-central1"},
        "deletion_protection": "disabled",
        "tags": {},
        "read_capacity": {"mode": "OnDemand"},
    }
    assert attrs_of(live, Address.index("apparel-team", "apparel-sparse"))["schema"] == {
        "fields": {"_sparse_values": {"type": "sparse_vector"}}
    }
    assert attrs_of(live, Address.api_key("apparel-team", "recs-service")) == {
        "name": "recs-service",
        "roles": ["ControlPlaneViewer", "DataPlaneEditor"],
    }
    assert attrs_of(live, Address.service_account("recs-ci")) == {"name": "recs-ci"}
    binding = Address.role_binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")
    assert attrs_of(live, binding) == {
        "project": "apparel-team",
        "principal_type": "service-account",
        "principal": "recs-ci",
        "role": "ProjectViewer",
    }


CONFIG = """
kind: Project
name: apparel-team
indexes:
  - name: apparel-recs
    dimension: 8
    spec: {serverless: {cloud: aws, region: us-east-1}}
    tags: {team: apparel}
  - name: apparel-docs
    embed:
      model: multilingual-e5-large
      field_map: {text: chunk_text}
      write_parameters: {input_type: passage}
      read_parameters: {input_type: query}
    spec: {serverless: {cloud: aws, region: us-east-1}}
api_keys:
  - name: recs-service
"""


def test_live_objects_equal_in_meaning_to_the_config_read_equal_to_it(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")
    estate.index(project_id, name="apparel-recs", dimension=8, tags={"team": "apparel"})
    estate.control(project_id).indexes.create_for_model(
        name="apparel-docs",
        cloud="aws",
        region="us-east-1",
        embed={
            "model": "multilingual-e5-large",
            "field_map": {"text": "chunk_text"},
            "write_parameters": {"input_type": "passage"},
            "read_parameters": {"input_type": "query"},
        },
    )
    estate.key(project_id, "recs-service")
    desired, problems = normalize([SourceDocument("apparel.yaml", 0, yaml.safe_load(CONFIG))])
    assert problems == []

    live = read(make_provider(server), "apparel-team")

    for resource in desired:
        assert attrs_of(live, resource.address) == dict(resource.attrs), resource.address


def test_invited_people_and_members_are_both_addressed_by_email(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")
    estate.user("alice@example.com")
    estate.admin.invites.create(
        email="bob@example.com",
        role_bindings=[
            {"resource_type": "organization", "role": "OrgMember"},
            {"resource_type": "project", "resource_id": project_id, "role": "ProjectViewer"},
        ],
    )

    live = read(make_provider(server), "apparel-team")

    assert Address.role_binding(None, PrincipalType.USER, "alice@example.com", "OrgMember") in live
    assert Address.role_binding(None, PrincipalType.USER, "bob@example.com", "OrgMember") in live
    assert (
        Address.role_binding("apparel-team", PrincipalType.USER, "bob@example.com", "ProjectViewer") in live
    )


def test_scopes_are_the_organization_and_every_requested_project(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")

    live = read(make_provider(server), "apparel-team", "not-created-yet")

    assert live.scopes == {"organization", "project/apparel-team", "project/not-created-yet"}
    assert Address.project_("not-created-yet") not in live


def test_undeclared_projects_are_listed_but_their_contents_are_not_read(server: Any, estate: Estate) -> None:
    other = estate.project("someone-elses")
    estate.index(other, name="private", dimension=4)
    provider = make_provider(server)

    live = read(provider, "apparel-team")

    assert Address.project_("someone-elses") in live
    assert not [r for r in live if r.address.project == "someone-elses" and r.kind is not Kind.PROJECT]
    assert not [route for route in provider.stats.by_route if other in route]


def test_declarates_own_account_bindings_and_temporary_keys_are_protected(
    server: Any, estate: Estate
) -> None:
    project_id = estate.project("apparel-team")
    leftover = f"declarate-tmp-{int(time.time())}-recent"
    estate.key(project_id, leftover)

    live = read(make_provider(server), "apparel-team")

    own = next(r for r in live.of_kind(Kind.SERVICE_ACCOUNT) if r.server["client_id"] == server.client_id)
    assert own.address in live.protected
    own_bindings = [r.address for r in live.of_kind(Kind.ROLE_BINDING) if own.address.name in r.address.name]
    assert own_bindings and set(own_bindings) <= live.protected
    assert Address.api_key("apparel-team", leftover) in live.protected


# -- control-plane keys --------------------------------------------------------------------------


def test_temporary_keys_are_deleted_when_the_provider_closes(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")

    read(make_provider(server), "apparel-team")

    assert temporary_keys(estate, project_id) == []


def test_temporary_keys_are_deleted_even_when_the_run_fails(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")

    async def failing_run() -> None:
        async with make_provider(server) as provider:
            await provider.read(read_request("apparel-team"))
            assert temporary_keys(estate, project_id) != []  # minted for the run
            raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError):
        run(failing_run())
    assert temporary_keys(estate, project_id) == []


def test_leftover_temporary_keys_older_than_an_hour_are_deleted(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")
    crashed = f"declarate-tmp-{int(time.time()) - 2 * 3600}-crashed"
    running = f"declarate-tmp-{int(time.time()) - 60}-running"
    estate.key(project_id, crashed)
    estate.key(project_id, running)

    live = read(make_provider(server), "apparel-team")

    assert temporary_keys(estate, project_id) == [running]  # another run may still be using it
    assert Address.api_key("apparel-team", crashed) not in live


def test_api_key_env_is_used_instead_of_minting_a_key(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")
    estate.index(project_id, name="apparel-recs", dimension=4)
    key = estate.key(project_id, "team-key", roles=["ControlPlaneViewer"])
    provider = make_provider(server, environ={"APPAREL_KEY": key})

    live = read(provider, "apparel-team", **{"apparel-team": "APPAREL_KEY"})

    assert Address.index("apparel-team", "apparel-recs") in live
    # At most one key is minted: the check that the env key belongs to this project (the API cannot
    # say whose a key is, so a temporary key's view is compared); it is gone once the run ends.
    minted = [n for route, n in provider.stats.by_route.items() if route.startswith("POST /admin/projects/")]
    assert sum(minted) <= 1
    assert temporary_keys(estate, project_id) == []


def test_an_unset_api_key_env_is_a_clear_error(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")

    with pytest.raises(TargetError, match="APPAREL_KEY is not set"):
        read(make_provider(server, environ={}), "apparel-team", **{"apparel-team": "APPAREL_KEY"})


# -- cost and resilience --------------------------------------------------------------------------


def test_reading_costs_the_same_number_of_requests_whatever_the_number_of_indexes(
    server: Any, estate: Estate
) -> None:
    projects = {name: estate.project(name) for name in ("team-a", "team-b", "team-c")}
    for project_id in projects.values():
        estate.index(project_id, name="first", dimension=4)

    def requests_to_read() -> int:
        before = estate.requests_served()
        live = read(make_provider(server), *projects)
        assert len(live.of_kind(Kind.INDEX)) == len(indexes_each) * len(projects)
        return estate.requests_served() - before

    indexes_each = ["first"]
    with_one_index = requests_to_read()
    for project_id in projects.values():
        for n in range(2, 7):
            estate.index(project_id, name=f"index-{n}", dimension=4)
    indexes_each = ["first", *(f"index-{n}" for n in range(2, 7))]
    with_six_indexes = requests_to_read()

    assert with_six_indexes == with_one_index
    # token, projects, service accounts, bindings; per project: keys, temporary key, indexes, its deletion
    assert with_one_index <= 4 + 4 * len(projects)


def test_read_succeeds_through_injected_failures_and_dropped_connections(tmp_path: Path) -> None:
    db = str(tmp_path / "faulty.db")
    with running_server(db_path=db, ready_after=0) as calm:
        estate = Estate(calm)
        for name in ("team-a", "team-b"):
            estate.index(estate.project(name), name="recs", dimension=4)
        expected = read(make_provider(calm), "team-a", "team-b")

    with running_server(db_path=db, ready_after=0, fail_rate=0.3, fault_seed=11) as faulty:
        provider = make_provider(faulty, max_attempts=12)
        live = read(provider, "team-a", "team-b")

    assert provider.stats.retries > 0
    assert {r.address: dict(r.attrs) for r in live if not r.address.name.startswith("declarate-tmp-")} == {
        r.address: dict(r.attrs) for r in expected if not r.address.name.startswith("declarate-tmp-")
    }


def test_read_succeeds_under_a_server_rate_limit(tmp_path: Path) -> None:
    db = str(tmp_path / "limited.db")
    with running_server(db_path=db, ready_after=0) as calm:
        estate = Estate(calm)
        for name in ("team-a", "team-b", "team-c"):
            estate.project(name)
    with running_server(db_path=db, ready_after=0, rate_limit=10) as limited:
        provider = make_provider(limited, rate_limit=1000.0)
        live = read(provider, "team-a", "team-b", "team-c")
        throttled = limited.stats()["by_status"].get("429", 0)

    assert {"team-a", "team-b", "team-c"} <= set(live.projects())
    assert throttled > 0 and provider.stats.retries > 0


def test_a_failing_organization_list_fails_the_read_at_once_and_leaves_no_key(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    """Organization lists run beside the project reads: the failure of one ends the other."""
    db = str(tmp_path / "broken-bindings.db")
    with running_server(db_path=db, ready_after=0) as calm:
        estate = Estate(calm)
        project_ids = [estate.project(name) for name in ("team-a", "team-b")]
    broken = {"fail_rate": 1.0, "fail_kinds": ("500",), "fault_route": ("GET /admin/role-bindings",)}
    with running_server(db_path=db, ready_after=0, **broken) as server:
        with pytest.raises(ServerError, match="role-bindings"):
            read(make_provider(server, max_attempts=2), "team-a", "team-b")
        estate = Estate(server)
        assert all(temporary_keys(estate, project_id) == [] for project_id in project_ids)
    assert not [w for w in recwarn if "never retrieved" in str(w.message)]


# -- the embedded target -------------------------------------------------------------------------


def test_the_embedded_target_reads_in_process_and_persists_to_its_file(tmp_path: Path) -> None:
    options = TargetOptions(target="local", local_db=str(tmp_path / "state" / "local.db"))

    async def create_then_read() -> tuple[str, State]:
        async with open_provider(options, environ={}) as provider:
            live = await provider.read(read_request("apparel-team"))
            assert Address.project_("apparel-team") not in live
            attrs = {"name": "apparel-team", "max_pods": 0, "force_encryption_with_cmek": False}
            create = Change(Address.project_("apparel-team"), Action.CREATE, after=attrs)
            await provider.execute(
                create, Resource(create.address, attrs), None, MemorySink(), protected=live.protected
            )
        async with open_provider(options, environ={}) as provider:
            return provider.target, await provider.read(read_request("apparel-team"))

    target, live = run(create_then_read())

    assert target == f"local (embedded, {(tmp_path / 'state' / 'local.db').resolve()})"
    assert Address.project_("apparel-team") in live


def reads_apart(
    server: Any, pause: float, server_skips: float = 0.0, client_skips: float = 0.0
) -> PineconeProvider:
    """Two reads by one provider, `pause` seconds apart, while the server's clock jumps
    `server_skips` seconds ahead and the client's `client_skips`; the provider, for its counters."""
    Estate(server).project("apparel-team")
    skipped = 0.0
    provider = make_provider(server, clock=lambda: time.monotonic() + skipped)

    async def go() -> None:
        nonlocal skipped
        async with provider:
            await provider.read(read_request("apparel-team"))
            await asyncio.sleep(pause)
            clock.advance(server_skips)
            skipped += client_skips
            await provider.read(read_request("apparel-team"))

    run(go())
    return provider


def test_an_expiring_token_is_renewed_before_it_runs_out() -> None:
    # Both clocks jump past the token's lifetime between the reads, instead of a 1 s token and a
    # 1 s sleep: on a loaded machine the first read outlasted the client's 0.1 s safety margin, and
    # a request sent just before the renewal reached the server after the expiry (a 401).
    try:
        with running_server(ready_after=0, token_ttl=60) as short_lived:
            provider = reads_apart(short_lived, 0, server_skips=60, client_skips=60)
            rejected = short_lived.stats()["by_status"].get("401", 0)
    finally:
        clock.reset()

    assert provider.stats.by_route["POST /oauth/token"] == 2  # renewed before the second read...
    assert rejected == 0  # ...so the server never saw the expired token


def test_a_token_the_server_rejects_is_renewed_once_and_the_calls_succeed() -> None:
    # The token says expires_in: 60, but the server's clock jumps past it between the two reads, so
    # the server drops it while the client still trusts it. The jump, not a sleep, expires it: on a
    # loaded machine a 0.2 s lifetime also ran out inside the first read and cost a third token.
    try:
        with running_server(ready_after=0, token_ttl=60) as early_expiry:
            provider = reads_apart(early_expiry, 0, server_skips=120)
            rejected = early_expiry.stats()["by_status"].get("401", 0)
    finally:
        clock.reset()

    assert rejected >= 1  # every call in flight met the 401...
    assert provider.stats.by_route["POST /oauth/token"] == 2  # ...and they shared one renewal


def test_wrong_credentials_fail_clearly_without_echoing_the_secret(server: Any) -> None:
    options = ClientOptions(
        base_url=server.url,
        oauth_url=server.url + "/oauth/token",
        credentials=Credentials(server.client_id, "not-the-secret-4242"),
    )

    with pytest.raises(Unauthorized) as failure:
        read(PineconeProvider(PineconeClient(options), target=server.url), "apparel-team")

    assert "check the client id and secret" in str(failure.value)
    assert "not-the-secret-4242" not in str(failure.value)


def test_an_unreachable_target_fails_after_its_retries() -> None:
    with running_server() as gone:
        url = gone.url
    options = ClientOptions(
        base_url=url,
        oauth_url=url + "/oauth/token",
        credentials=Credentials("id", "secret"),
        max_attempts=3,
        backoff_base=0.01,
    )
    provider = PineconeProvider(PineconeClient(options), target=url)

    with pytest.raises(ConnectionFailed, match="after 3 attempt"):
        read(provider, "apparel-team")
    assert provider.stats.requests == 3
