"""Safety rules: every block is in the plan, with its rule and the exact override, before anything runs."""

from __future__ import annotations

import dataclasses

from declarate.engine import plan
from declarate.model.address import PrincipalType
from declarate.model.plan import Action, Block, Plan
from declarate.model.resource import Resource
from declarate.model.settings import Overrides, Policies, Safety, Settings
from declarate.model.state import ScopeDirectives

from .builders import (
    SETTINGS,
    actions,
    api_key,
    binding,
    desired_state,
    index,
    live_state,
    org_binding,
    owned,
    project,
    service_account,
)


def blocks(result: Plan) -> dict[str, Block | None]:
    return {str(c.address): c.blocked for c in result.changes}


def rule_of(result: Plan, address: str) -> str | None:
    block = blocks(result)[address]
    return None if block is None else block.rule


def test_protected_index_delete_is_blocked() -> None:
    live = live_state(project(), owned(index(name="old", protection="enabled")))

    result = plan(desired_state(project()), live, SETTINGS)

    block = blocks(result)["project/a/index/old"]
    assert block == Block(
        "deletion-protection",
        "deletion protection is enabled on the live index",
        "set deletion_protection: disabled and apply, then delete",
    )
    assert result.blocked == result.changes


def test_replace_of_a_protected_index_is_blocked_even_when_replace_is_allowed() -> None:
    desired = desired_state(project(), index(dimension=16, protection="enabled", allow_replace=True))
    live = live_state(project(), owned(index(protection="enabled")))

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.REPLACE
    assert change.blocked is not None and change.blocked.rule == "deletion-protection"


def test_replace_block_comes_before_the_deletion_protection_block() -> None:
    desired = desired_state(project(), index(dimension=16, protection="enabled"))
    live = live_state(project(), owned(index(protection="enabled")))

    assert rule_of(plan(desired, live, SETTINGS), "project/a/index/recs") == "replace"


def test_cmek_cannot_be_turned_off() -> None:
    (change,) = plan(desired_state(project(cmek=False)), live_state(project(cmek=True)), SETTINGS).changes

    assert change.action is Action.UPDATE
    assert change.blocked is not None
    assert change.blocked.rule == "cmek-one-way"
    assert change.blocked.override == "none: CMEK cannot be turned off; set force_encryption_with_cmek: true"


def test_cmek_can_be_turned_on() -> None:
    (change,) = plan(desired_state(project(cmek=True)), live_state(project(cmek=False)), SETTINGS).changes

    assert (change.action, change.blocked) == (Action.UPDATE, None)


def owned_indexes(count: int) -> list[Resource]:
    return [owned(index(name=f"ix{n}")) for n in range(count)]


def test_deleting_more_than_the_fraction_of_ten_owned_indexes_is_blocked() -> None:
    live = live_state(project(), *owned_indexes(10))
    desired = desired_state(project(), *(index(name=f"ix{n}") for n in range(6)))

    result = plan(desired, live, SETTINGS)

    deletes = [c for c in result.changes if c.action is Action.DELETE]
    assert [str(c.address) for c in deletes] == [f"project/a/index/ix{n}" for n in range(6, 10)]
    for change in deletes:
        assert change.blocks == (
            Block(
                "mass-delete",
                "this plan deletes 4 of the 10 indexes declarate owns in project/a (40%, more than the 30% limit)",
                "--allow-mass-delete",
            ),
        )


def test_deleting_exactly_the_fraction_of_ten_owned_indexes_is_allowed() -> None:
    live = live_state(project(), *owned_indexes(10))
    desired = desired_state(project(), *(index(name=f"ix{n}") for n in range(7)))

    result = plan(desired, live, SETTINGS)

    assert len(result.changes) == 3 and not result.blocked  # 3 of 10 is 30%: not more than the limit


def test_the_fraction_does_not_apply_below_min_existing_owned_objects() -> None:
    # 9 owned: deleting 8 of them (89%) is not a mass delete, as one of a project's 3 indexes is not.
    live = live_state(project(), *owned_indexes(9))
    desired = desired_state(project(), index(name="ix0"))

    assert not plan(desired, live, SETTINGS).blocked
    three = plan(
        desired_state(project(), index(name="ix0"), index(name="ix1")),
        live_state(project(), *owned_indexes(3)),
        SETTINGS,
    )
    assert [c.blocks for c in three.changes] == [()]


def test_unowned_and_protected_objects_never_inflate_the_count() -> None:
    # 10 indexes live, but only 9 carry the ownership tag: the fraction rule does not apply.
    live = live_state(project(), *owned_indexes(9), index(name="theirs"))
    desired = desired_state(project(), *(index(name=f"ix{n}") for n in range(5)))

    result = plan(desired, live, SETTINGS)

    assert len([c for c in result.changes if c.action is Action.DELETE]) == 4 and not result.blocked


def test_min_existing_comes_from_the_workspace_settings() -> None:
    strict = Settings(safety=Safety(min_existing=3))
    desired = desired_state(project(), index(name="ix0"), index(name="ix1"))

    result = plan(desired, live_state(project(), *owned_indexes(4)), strict)

    assert {rule_of(result, f"project/a/index/ix{n}") for n in (2, 3)} == {"mass-delete"}  # 50% > 30%


def test_deleting_every_owned_index_of_a_project_is_blocked_from_two() -> None:
    result = plan(desired_state(project()), live_state(project(), *owned_indexes(2)), SETTINGS)

    assert [c.blocks for c in result.changes] == [
        (
            Block(
                "delete-all",
                "this plan deletes all 2 indexes declarate owns in project/a",
                "--allow-mass-delete",
            ),
        )
    ] * 2


def test_deleting_the_only_owned_index_is_not_a_delete_all() -> None:
    result = plan(desired_state(project()), live_state(project(), *owned_indexes(1)), SETTINGS)

    assert [c.blocks for c in result.changes] == [()]


def test_deleting_all_of_many_shows_both_mass_deletion_rules() -> None:
    result = plan(desired_state(project()), live_state(project(), *owned_indexes(10)), SETTINGS)

    assert {tuple(b.rule for b in c.blocks) for c in result.changes} == {("mass-delete", "delete-all")}


def test_the_delete_all_guard_is_configurable_and_can_be_turned_off() -> None:
    off = Settings(safety=Safety(delete_all_min_existing=0))
    three = Settings(safety=Safety(delete_all_min_existing=3))
    live = live_state(project(), *owned_indexes(2))

    assert not plan(desired_state(project()), live, off).blocked
    assert not plan(desired_state(project()), live, three).blocked
    assert plan(desired_state(project()), live_state(project(), *owned_indexes(3)), three).blocked


def test_a_single_stray_api_key_under_prune_is_not_a_mass_delete() -> None:
    desired = desired_state(
        project(), api_key(name="k0"), directives={"project/a": ScopeDirectives(prune_api_keys=True)}
    )
    live = live_state(project(), api_key(name="k0"), api_key(name="stray"))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/a/api-key/stray", "delete")] and not result.blocked


def test_allow_mass_delete_lifts_both_rules() -> None:
    result = plan(
        desired_state(project()),
        live_state(project(), *owned_indexes(12)),
        SETTINGS,
        Overrides(allow_mass_delete=True),
    )

    assert len(result.changes) == 12 and not result.blocked


def test_mass_delete_of_pruned_service_accounts_is_blocked_in_the_organization() -> None:
    prune = ScopeDirectives(prune_service_accounts=True)
    desired = desired_state(service_account("sa0"), directives={"organization": prune})
    live = live_state(*(service_account(f"sa{n}") for n in range(12)))

    result = plan(desired, live, SETTINGS)

    assert {rule_of(result, f"service-account/sa{n}") for n in range(1, 12)} == {"mass-delete"}
    block = blocks(result)["service-account/sa1"]
    assert (
        block is not None and "11 of the 12 service accounts declarate owns in organization" in block.message
    )


def test_ensure_absent_is_an_explicit_request_not_a_mass_delete() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(ensure_absent=True)})

    result = plan(desired, live_state(project(), *owned_indexes(5)), SETTINGS)

    assert len(result.changes) == 6 and not result.blocked


def test_role_changes_are_not_counted_as_mass_deletion() -> None:
    desired = desired_state(
        project(),
        *(binding(principal=f"sa{n}", role="ProjectEditor") for n in range(3)),
        directives={"project/a": ScopeDirectives(prune_role_bindings=True)},
    )
    live = live_state(
        project(),
        *(binding(principal=f"sa{n}", role="ProjectViewer") for n in range(3)),
        *(service_account(f"sa{n}") for n in range(3)),
    )

    result = plan(desired, live, SETTINGS)

    assert len(result.changes) == 6 and not result.blocked


def test_require_deletion_protection_policy_blocks_matching_unprotected_indexes() -> None:
    settings = Settings(policies=Policies(require_deletion_protection={"env": "prod"}))
    desired = desired_state(
        project(),
        index(name="prod-off", tags={"env": "prod"}),
        index(name="prod-on", tags={"env": "prod"}, protection="enabled"),
        index(name="dev-off", tags={"env": "dev"}),
    )

    result = plan(desired, live_state(project()), settings)

    assert rule_of(result, "project/a/index/prod-off") == "policy:require_deletion_protection"
    assert rule_of(result, "project/a/index/prod-on") is None
    assert rule_of(result, "project/a/index/dev-off") is None
    block = blocks(result)["project/a/index/prod-off"]
    assert block is not None and "indexes tagged env=prod" in block.message


def test_require_deletion_protection_with_no_tags_covers_every_index() -> None:
    settings = Settings(policies=Policies(require_deletion_protection={}))
    desired = desired_state(project(), index(tags={"team": "a"}))
    live = live_state(project(), index(tags={"team": "b"}))

    (change,) = plan(desired, live, settings).changes

    assert change.action is Action.ADOPT
    assert change.blocked is not None and change.blocked.rule == "policy:require_deletion_protection"


def test_require_deletion_protection_never_blocks_what_is_not_an_index() -> None:
    settings = Settings(policies=Policies(require_deletion_protection={}))
    desired = desired_state(project(), api_key(), service_account("ci"), scopes={"organization"})

    result = plan(desired, live_state(scopes={"organization"}), settings)

    assert len(result.changes) == 3 and all(c.blocks == () for c in result.changes)


def test_forbid_roles_policy_blocks_api_keys_holding_a_forbidden_role() -> None:
    settings = Settings(policies=Policies(forbid_roles=("ProjectEditor",)))
    desired = desired_state(
        project(), api_key(name="default-roles"), api_key(name="reader", roles=["DataPlaneViewer"])
    )

    result = plan(desired, live_state(project()), settings)

    assert rule_of(result, "project/a/api-key/default-roles") == "policy:forbid_roles"
    assert rule_of(result, "project/a/api-key/reader") is None


def test_forbid_roles_policy_blocks_a_key_renamed_into_a_forbidden_role() -> None:
    # A key is renamed in place, its roles updated with it: the policy holds for that update too.
    settings = Settings(policies=Policies(forbid_roles=("ProjectEditor",)))
    renamed = api_key(name="svc-v2")
    renamed = dataclasses.replace(
        renamed, directives=dataclasses.replace(renamed.directives, renamed_from="svc")
    )
    live = live_state(project(), api_key(name="svc", roles=["DataPlaneViewer"]))

    (change,) = plan(desired_state(project(), renamed), live, settings).changes

    assert change.action is Action.RENAME
    assert [(b.rule, b.message) for b in change.blocks] == [
        ("policy:forbid_roles", "policy forbid_roles: API keys may not hold ProjectEditor")
    ]


def test_max_indexes_per_project_policy_blocks_the_creates_of_an_oversized_project() -> None:
    settings = Settings(policies=Policies(max_indexes_per_project=2))
    desired = desired_state(project(), *(index(name=f"ix{n}") for n in range(3)))
    live = live_state(project(), owned(index(name="ix0")))

    result = plan(desired, live, settings)

    assert {rule_of(result, f"project/a/index/ix{n}") for n in (1, 2)} == {"policy:max_indexes_per_project"}
    block = blocks(result)["project/a/index/ix1"]
    assert block is not None and "declares 3 indexes, more than the limit of 2" in block.message


def test_binding_to_a_service_account_that_exists_nowhere_is_blocked() -> None:
    desired = desired_state(project(), binding(principal="ghost"))

    result = plan(desired, live_state(project(), scopes={"project/a", "organization"}), SETTINGS)

    assert (
        rule_of(result, "project/a/role-binding/service-account:ghost/ProjectViewer")
        == "unresolved-reference"
    )


def test_binding_to_a_declared_or_live_service_account_resolves() -> None:
    desired = desired_state(
        project(), binding(principal="declared"), binding(principal="existing"), service_account("declared")
    )
    live = live_state(project(), service_account("existing"))

    assert not plan(desired, live, SETTINGS).blocked


def test_binding_to_a_user_needs_no_service_account() -> None:
    desired = desired_state(org_binding("alice@example.com", principal_type=PrincipalType.USER))
    assert not plan(desired, live_state(scopes={"organization"}), SETTINGS).blocked


def test_creating_a_pod_index_is_blocked() -> None:
    pod = {"deployment_type": "pod", "environment": "us-east1-gcp", "pod_type": "p1.x1"}
    desired = desired_state(project(), index(deployment=pod))

    (change,) = plan(desired, live_state(project()), SETTINGS).changes

    assert change.blocked == Block(
        "pod-create",
        "pod indexes cannot be created with API 2026-07",
        "none: create it as serverless, or create the pod index by hand and declare it",
    )


def test_an_existing_pod_index_can_be_scaled_in_place() -> None:
    pod = {"deployment_type": "pod", "environment": "us-east1-gcp", "pod_type": "p1.x1"}
    desired = desired_state(project(max_pods=2), index(deployment={**pod, "replicas": 2}))
    live = live_state(project(max_pods=2), owned(index(deployment=pod)))

    (change,) = plan(desired, live, SETTINGS).changes

    assert (change.action, change.blocked) == (Action.UPDATE, None)
    assert [f.path for f in change.fields] == ["deployment.replicas"]


def test_adopting_an_index_that_already_has_twenty_tags_is_blocked() -> None:
    twenty = {f"t{n}": "x" for n in range(20)}
    desired = desired_state(project(), index(tags=twenty))
    live = live_state(project(), index(tags=twenty))

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.ADOPT
    assert change.blocked is not None and change.blocked.rule == "tag-limit"
    assert "21 tags" in change.blocked.message


def test_nineteen_tags_of_your_own_leave_room_for_the_ownership_tag() -> None:
    nineteen = {f"t{n}": "x" for n in range(19)}
    desired = desired_state(project(), index(tags=nineteen))

    (change,) = plan(desired, live_state(project()), SETTINGS).changes

    assert change.action is Action.CREATE and change.blocked is None
