"""Specifications of PineconeProvider.execute and wait against a served local control plane.

Every change runs the way apply runs it: read live state, execute the change with its desired and
live resources, wait for indexes to settle; then live state is read again to see what a user sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.canonical import (
    canonical_api_key,
    canonical_index,
    canonical_project,
    canonical_role_binding,
    canonical_service_account,
)
from declarate.model.plan import Action, Block, Change, FieldDiff, Plan
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone import PineconeProvider, ProviderOptions
from tests.integration.conftest import Estate, MemorySink, RecordingObserver, make_provider, read_request, run

OWNED = {"managed-by": "declarate"}
SUCCEEDED = (Outcome.DONE, Outcome.ALREADY)


def project_attrs(name: str = "apparel-team", **fields: Any) -> dict[str, Any]:
    return canonical_project({"name": name, **fields})


def index_attrs(name: str = "apparel-recs", dimension: int = 8, **fields: Any) -> dict[str, Any]:
    raw = {"name": name, "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": dimension}}}}
    return canonical_index({**raw, "tags": OWNED, **fields})


def create(address: Address, attrs: dict[str, Any]) -> Change:
    return Change(address, Action.CREATE, after=attrs)


def delete(address: Address) -> Change:
    return Change(address, Action.DELETE)


def apply(
    server: Any,
    *changes: Change,
    projects: Sequence[str] = ("apparel-team",),
    sink: MemorySink | None = None,
    observer: RecordingObserver | None = None,
    provider: PineconeProvider | None = None,
) -> list[ChangeResult]:
    """Read, then execute and wait for each change in order, as apply does; the results."""

    async def go() -> list[ChangeResult]:
        async with provider or make_provider(server) as p:
            live = await p.read(read_request(*projects))
            results = []
            for change in changes:
                desired = None if change.after is None else Resource(change.address, change.after)
                result = await p.execute(
                    change, desired, live.get(change.address), sink or MemorySink(), protected=live.protected
                )
                if result.outcome in SUCCEEDED:
                    await p.wait(change, observer or RecordingObserver())
                results.append(result)
            return results

    return run(go())


def outcomes(results: list[ChangeResult]) -> list[Outcome]:
    return [r.outcome for r in results]


def live_state(server: Any, *projects: str) -> State:
    async def go() -> State:
        async with make_provider(server) as provider:
            return await provider.read(read_request(*projects))

    return run(go())


def live_attrs(server: Any, address: Address) -> dict[str, Any] | None:
    resource = live_state(server, *([address.project] if address.project else [])).get(address)
    return None if resource is None else dict(resource.attrs)


PROJECT = Address.project_("apparel-team")
INDEX = Address.index("apparel-team", "apparel-recs")


# -- projects ------------------------------------------------------------------------------------


def test_a_project_is_created_updated_and_deleted(server: Any) -> None:
    assert outcomes(apply(server, create(PROJECT, project_attrs()))) == [Outcome.DONE]
    grown = project_attrs(max_pods=4)
    update = Change(PROJECT, Action.UPDATE, before=project_attrs(), after=grown)
    assert outcomes(apply(server, update)) == [Outcome.DONE]
    assert live_attrs(server, PROJECT) == grown

    assert outcomes(apply(server, delete(PROJECT))) == [Outcome.DONE]
    assert live_attrs(server, PROJECT) is None


def test_creating_a_project_that_exists_as_desired_is_already_done(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    # The plan was made before someone else (or a crashed run) created it: live is stale.
    [result] = apply(server, create(PROJECT, project_attrs()), projects=())
    assert result.outcome is Outcome.ALREADY


def test_creating_a_project_that_exists_differently_fails_saying_how(server: Any, estate: Estate) -> None:
    estate.project("apparel-team", max_pods=3)
    [result] = apply(server, create(PROJECT, project_attrs()), projects=())
    assert result.outcome is Outcome.FAILED
    assert "max_pods" in result.message


def test_deleting_a_project_that_is_gone_is_already_done(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")

    async def go() -> list[ChangeResult]:
        async with make_provider(server) as provider:
            live = await provider.read(read_request("apparel-team"))
            estate.admin.projects.delete(project_id=estate.project_id("apparel-team"))
            return [
                await provider.execute(
                    delete(PROJECT), None, live.get(PROJECT), MemorySink(), protected=live.protected
                )
            ]

    assert outcomes(run(go())) == [Outcome.ALREADY]


# -- indexes -------------------------------------------------------------------------------------


def test_a_created_index_is_ready_and_reads_back_as_desired(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    desired = index_attrs(deletion_protection="enabled", tags={**OWNED, "team": "apparel"})

    assert outcomes(apply(server, create(INDEX, desired))) == [Outcome.DONE]

    assert live_attrs(server, INDEX) == desired


def test_creating_an_index_that_exists_as_desired_is_already_done(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs()))
    assert outcomes(apply(server, create(INDEX, index_attrs()))) == [Outcome.ALREADY]


def test_creating_an_index_that_exists_differently_fails_naming_the_difference(
    server: Any, estate: Estate
) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs(dimension=8)))
    [result] = apply(server, create(INDEX, index_attrs(dimension=16)))
    assert result.outcome is Outcome.FAILED
    assert "schema.fields._values.dimension" in result.message


def test_an_update_changes_only_what_differs_and_removes_dropped_tags(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    before = index_attrs(tags={**OWNED, "team": "a", "old": "x"})
    apply(server, create(INDEX, before))
    after = index_attrs(tags={**OWNED, "team": "b"}, deletion_protection="enabled")

    assert outcomes(apply(server, Change(INDEX, Action.UPDATE, before=before, after=after))) == [Outcome.DONE]

    assert live_attrs(server, INDEX) == after


def test_adopting_tags_the_index_and_leaves_ignored_tags_alone(server: Any, estate: Estate) -> None:
    project_id = estate.project("apparel-team")
    estate.index(project_id, name="apparel-recs", dimension=8, tags={"cost-center": "42"})
    # `ignore_changes: [tags.cost-center]`: the plan only adds the ownership tag.
    adopt = Change(
        INDEX,
        Action.ADOPT,
        fields=(FieldDiff("tags.managed-by", None, "declarate", "the ownership tag"),),
        after=index_attrs(tags=OWNED),
    )

    assert outcomes(apply(server, adopt)) == [Outcome.DONE]

    assert (live_attrs(server, INDEX) or {})["tags"] == {"cost-center": "42", **OWNED}


def test_dedicated_read_capacity_is_configured_in_place(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs()))
    dedicated = {
        "mode": "Dedicated",
        "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
    }
    after = index_attrs(read_capacity=dedicated)

    assert outcomes(apply(server, Change(INDEX, Action.UPDATE, after=after))) == [Outcome.DONE]

    assert (live_attrs(server, INDEX) or {})["read_capacity"] == dedicated


def test_a_replaced_index_is_recreated_with_the_new_dimension(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs(dimension=8)))
    replace = Change(INDEX, Action.REPLACE, before=index_attrs(dimension=8), after=index_attrs(dimension=16))

    assert outcomes(apply(server, replace)) == [Outcome.DONE]

    assert live_attrs(server, INDEX) == index_attrs(dimension=16)


def test_a_deleted_index_is_gone_and_deleting_it_again_is_already_done(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs()))

    assert outcomes(apply(server, delete(INDEX), delete(INDEX))) == [Outcome.DONE, Outcome.ALREADY]
    assert live_attrs(server, INDEX) is None


def test_deleting_a_protected_index_fails_saying_to_disable_protection(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(server, create(INDEX, index_attrs(deletion_protection="enabled")))

    [result] = apply(server, delete(INDEX))

    assert result.outcome is Outcome.FAILED
    assert "deletion_protection: disabled" in result.message
    assert live_attrs(server, INDEX) is not None


def test_an_integrated_embedding_index_is_created_for_its_model(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    address = Address.index("apparel-team", "apparel-docs")
    text_field = {
        "type": "semantic_text",
        "model": "multilingual-e5-large",
        "write_parameters": {"input_type": "passage"},
        "read_parameters": {"input_type": "query"},
    }
    desired = canonical_index(
        {"name": "apparel-docs", "schema": {"fields": {"chunk_text": text_field}}, "tags": OWNED}
    )

    assert outcomes(apply(server, create(address, desired))) == [Outcome.DONE]
    assert live_attrs(server, address) == desired

    tuned = canonical_index(
        {
            "name": "apparel-docs",
            "schema": {
                "fields": {
                    "chunk_text": {
                        **text_field,
                        "read_parameters": {"input_type": "query", "truncate": "END"},
                    }
                }
            },
            "tags": OWNED,
        }
    )
    assert outcomes(apply(server, Change(address, Action.UPDATE, before=desired, after=tuned))) == [
        Outcome.DONE
    ]
    assert live_attrs(server, address) == tuned


def test_a_pod_index_cannot_be_created_and_says_why(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    pod = index_attrs(deployment={"deployment_type": "pod", "environment": "us-east1-gcp"})

    [result] = apply(server, create(INDEX, pod))

    assert result.outcome is Outcome.FAILED
    assert "pod indexes cannot be created with API 2026-07" in result.message


def test_waiting_reports_each_state_until_ready_and_until_gone() -> None:
    with running_server(ready_after=0.3) as slow:
        Estate(slow).project("apparel-team")
        observer = RecordingObserver()

        apply(slow, create(INDEX, index_attrs()), delete(INDEX), observer=observer)

    states = [state for _, state in observer.states]
    assert states[:2] == ["Initializing", "Ready"]
    assert "Terminating" in states[2:]


def test_waiting_gives_up_after_the_timeout() -> None:
    with running_server(ready_after=30) as slow:
        Estate(slow).project("apparel-team")
        provider = make_provider(slow, options=ProviderOptions(wait_timeout=0.3, poll_initial=0.05))

        async def go() -> None:
            async with provider:
                await provider.read(read_request("apparel-team"))
                change = create(INDEX, index_attrs())
                await provider.execute(
                    change, Resource(INDEX, change.after or {}), None, MemorySink(), protected=frozenset()
                )
                await provider.wait(change, RecordingObserver())

        with pytest.raises(TimeoutError, match=r"timed out after 0\.3s waiting for index apparel-recs"):
            run(go())


# -- API keys and service accounts ---------------------------------------------------------------


def test_an_api_key_value_goes_only_to_the_secret_sink(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    address = Address.api_key("apparel-team", "recs-service")
    sink = MemorySink()

    [result] = apply(server, create(address, canonical_api_key({"name": "recs-service"})), sink=sink)

    value = sink.stored[(address, "value")]
    assert result.outcome is Outcome.DONE and result.secret_path == f"memory/{address}/value"
    assert value not in result.message
    live = live_state(server, "apparel-team")
    key = live.get(address)
    assert key is not None and value not in repr(key)
    assert value not in str(Plan(fingerprints={str(address): key.fingerprint()}).to_json())


def test_an_api_keys_roles_are_updated_and_the_key_deleted(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    address = Address.api_key("apparel-team", "recs-service")
    apply(server, create(address, canonical_api_key({"name": "recs-service"})))
    roles = canonical_api_key({"name": "recs-service", "roles": ["DataPlaneViewer", "ControlPlaneViewer"]})

    assert outcomes(apply(server, Change(address, Action.UPDATE, after=roles))) == [Outcome.DONE]
    assert live_attrs(server, address) == roles

    assert outcomes(apply(server, delete(address), delete(address))) == [Outcome.DONE, Outcome.ALREADY]
    assert live_attrs(server, address) is None


def test_a_service_account_secret_goes_only_to_the_sink_and_the_account_can_be_deleted(server: Any) -> None:
    address = Address.service_account("recs-ci")
    sink = MemorySink()

    [result] = apply(
        server, create(address, canonical_service_account({"name": "recs-ci"})), sink=sink, projects=()
    )

    secret = sink.stored[(address, "client_secret")]
    assert result.outcome is Outcome.DONE and secret not in result.message
    assert live_attrs(server, address) == {"name": "recs-ci"}
    assert outcomes(apply(server, delete(address), projects=())) == [Outcome.DONE]
    assert live_attrs(server, address) is None


# -- role bindings -------------------------------------------------------------------------------


def binding(project: str | None, ptype: PrincipalType, who: str, role: str) -> Change:
    address = Address.role_binding(project, ptype, who, role)
    return create(address, canonical_role_binding(project, ptype.value, who, role))


def binding_addresses(server: Any, who: str) -> set[str]:
    live = live_state(server, "apparel-team")
    return {str(r.address) for r in live.of_kind(Kind.ROLE_BINDING) if who in r.address.name}


def test_a_service_account_binding_is_created_then_already_then_deleted(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    estate.admin.service_accounts.create(name="recs-ci")
    grant = binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")

    assert outcomes(apply(server, grant, grant)) == [Outcome.DONE, Outcome.ALREADY]
    assert binding_addresses(server, "recs-ci") == {str(grant.address)}

    assert outcomes(apply(server, delete(grant.address), delete(grant.address))) == [
        Outcome.DONE,
        Outcome.ALREADY,
    ]
    assert binding_addresses(server, "recs-ci") == set()


def test_a_binding_for_a_member_binds_the_user(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    estate.user("alice@example.com")
    grant = binding("apparel-team", PrincipalType.USER, "alice@example.com", "ProjectEditor")

    assert outcomes(apply(server, grant)) == [Outcome.DONE]

    assert str(grant.address) in binding_addresses(server, "alice@example.com")
    assert list(estate.admin.invites.list()) == []  # a member is bound directly, never invited


def test_someone_not_in_the_organization_is_invited_with_the_binding(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    grant = binding("apparel-team", PrincipalType.USER, "bob@example.com", "ProjectViewer")
    also = binding("apparel-team", PrincipalType.USER, "bob@example.com", "DataPlaneViewer")

    assert outcomes(apply(server, grant, also)) == [Outcome.DONE, Outcome.DONE]

    # An invite needs an organization membership: OrgMember stands in when the config gives none.
    assert binding_addresses(server, "bob@example.com") == {
        str(grant.address),
        str(also.address),
        "organization/role-binding/user:bob@example.com/OrgMember",
    }
    assert [i.email for i in estate.admin.invites.list()] == ["bob@example.com"]


def test_a_declared_membership_role_replaces_the_stand_in(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    grant = binding("apparel-team", PrincipalType.USER, "bob@example.com", "ProjectViewer")
    member = binding(None, PrincipalType.USER, "bob@example.com", "OrgManager")

    assert outcomes(apply(server, grant, member)) == [Outcome.DONE, Outcome.DONE]

    assert binding_addresses(server, "bob@example.com") == {str(grant.address), str(member.address)}


def test_bindings_read_the_same_after_the_invite_is_accepted(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    apply(
        server,
        binding(None, PrincipalType.USER, "bob@example.com", "OrgMember"),
        binding("apparel-team", PrincipalType.USER, "bob@example.com", "ProjectViewer"),
    )
    invited = binding_addresses(server, "bob@example.com")

    [invite] = list(estate.admin.invites.list())
    estate.local("POST", f"/_local/invites/{invite.id}/accept")

    assert binding_addresses(server, "bob@example.com") == invited


# -- a whole run ---------------------------------------------------------------------------------


def test_later_changes_resolve_objects_created_earlier_in_the_run(server: Any, estate: Estate) -> None:
    sink = MemorySink()
    changes = [
        create(PROJECT, project_attrs()),
        create(Address.service_account("recs-ci"), canonical_service_account({"name": "recs-ci"})),
        create(Address.api_key("apparel-team", "recs-service"), canonical_api_key({"name": "recs-service"})),
        create(INDEX, index_attrs()),
        binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectEditor"),
    ]

    assert outcomes(apply(server, *changes, sink=sink)) == [Outcome.DONE] * len(changes)

    live = live_state(server, "apparel-team")
    assert all(c.address in live for c in changes)
    project_id = estate.project_id("apparel-team")
    assert [n for n in estate.key_names(project_id) if n.startswith("declarate-tmp-")] == []


def test_declarates_own_principal_and_keys_are_never_changed(server: Any, estate: Estate) -> None:
    estate.project("apparel-team")
    live = live_state(server, "apparel-team")
    own = next(r.address for r in live.of_kind(Kind.SERVICE_ACCOUNT) if r.address in live.protected)
    temporary = Address.api_key("apparel-team", "declarate-tmp-1-abcd")

    results = apply(server, delete(own), delete(temporary))

    assert outcomes(results) == [Outcome.FAILED, Outcome.FAILED]
    assert "never changes the principal it runs as" in results[0].message
    assert own in live_state(server)


def test_a_blocked_change_is_skipped(server: Any) -> None:
    blocked = Change(PROJECT, Action.CREATE, after=project_attrs(), blocks=(Block("rule", "no", "--allow"),))

    assert outcomes(apply(server, blocked, projects=())) == [Outcome.SKIPPED]
    assert live_attrs(server, PROJECT) is None


def test_concurrent_changes_converge_without_duplicates_under_injected_faults(tmp_path: Path) -> None:
    db = str(tmp_path / "faulty.db")
    with running_server(db_path=db, ready_after=0) as calm:
        Estate(calm).project("apparel-team")
    keys = [Address.api_key("apparel-team", f"key-{n}") for n in range(3)]
    accounts = [Address.service_account(f"account-{n}") for n in range(2)]
    indexes = [Address.index("apparel-team", f"index-{n}") for n in range(5)]
    changes = (
        [create(a, canonical_api_key({"name": a.name})) for a in keys]
        + [create(a, canonical_service_account({"name": a.name})) for a in accounts]
        + [create(a, index_attrs(a.name)) for a in indexes]
    )
    sink = MemorySink()

    with running_server(db_path=db, ready_after=0, fail_rate=0.3, fault_seed=5) as faulty:
        provider = make_provider(
            faulty, max_attempts=12, options=ProviderOptions(poll_initial=0.01, create_attempts=10)
        )

        async def go() -> list[ChangeResult]:
            async with provider:
                await provider.read(read_request("apparel-team"))

                async def one(change: Change) -> ChangeResult:
                    desired = Resource(change.address, change.after or {})
                    result = await provider.execute(change, desired, None, sink, protected=frozenset())
                    await provider.wait(change, RecordingObserver())
                    return result

                return list(await asyncio.gather(*(one(c) for c in changes)))

        results = run(go())

    assert all(r.outcome in SUCCEEDED for r in results), [
        r.message for r in results if r.outcome not in SUCCEEDED
    ]
    assert provider.stats.retries > 0
    with running_server(db_path=db, ready_after=0) as calm:
        estate = Estate(calm)
        project_id = estate.project_id("apparel-team")
        key_names = estate.key_names(project_id)
        account_names = sorted(a.name for a in estate.admin.service_accounts.list())
        live = live_state(calm, "apparel-team")
    assert [n for n in key_names if n.startswith("key-")] == ["key-0", "key-1", "key-2"]  # no duplicates
    assert [n for n in account_names if n.startswith("account-")] == ["account-0", "account-1"]
    assert all(a in live for a in indexes)
    assert {a for a, _ in sink.stored} == set(keys) | set(accounts)  # every secret reached the sink
