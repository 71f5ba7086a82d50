"""The exact words of every block and reason a user reads in a plan.

A block's message says what is wrong and its override says how to proceed; a change's reason says
why it is planned and an unmanaged object's why it is left alone. These are the plan's user
interface (text, JSON, markdown and PR comments all show them), so each is pinned word for word.
"""

from __future__ import annotations

from declarate.engine import plan
from declarate.model.address import PrincipalType
from declarate.model.plan import Action, Block, Plan
from declarate.model.settings import Policies, Settings
from declarate.model.state import ScopeDirectives

from .builders import (
    SETTINGS,
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

CUSTOM_TAG = Settings(ownership_tag_key="owner", ownership_tag_value="platform")


def block_of(result: Plan, address: str) -> tuple[Block, ...]:
    return next(c.blocks for c in result.changes if str(c.address) == address)


def reason_of(result: Plan, address: str) -> str:
    return next(c.reason for c in result.changes if str(c.address) == address)


def unmanaged(result: Plan) -> dict[str, str]:
    return {str(u.address): u.reason for u in result.unmanaged}


def test_turning_cmek_off_names_the_field_and_the_one_way_rule() -> None:
    result = plan(desired_state(project(cmek=False)), live_state(project(cmek=True)), SETTINGS)

    assert block_of(result, "project/a") == (
        Block(
            "cmek-one-way",
            "force_encryption_with_cmek is on live and the config turns it off: CMEK encryption can be "
            "turned on but never turned off",
            "none: CMEK cannot be turned off; set force_encryption_with_cmek: true",
        ),
    )


def test_adopting_a_mismatched_index_names_the_fields_and_the_ownership_tag() -> None:
    desired = desired_state(project(), index(dimension=16, metric="dotproduct"))

    result = plan(desired, live_state(project(), index()), CUSTOM_TAG)

    assert block_of(result, "project/a/index/recs") == (
        Block(
            "adopt-immutable",
            "immutable fields differ from the live index (schema.fields._values.dimension, "
            "schema.fields._values.metric), and declarate never recreates an index it does not own",
            "tag the index `owner=platform` by hand to let declarate own (and replace) it, or change the "
            "config to match the live index",
        ),
    )


def test_an_adopt_without_immutable_differences_is_not_blocked() -> None:
    result = plan(
        desired_state(project(), index(tags={"team": "x"})), live_state(project(), index()), SETTINGS
    )

    assert [(c.action, c.blocks) for c in result.changes] == [(Action.ADOPT, ())]


def test_a_replace_says_the_vectors_are_lost_and_how_to_allow_it() -> None:
    desired = desired_state(project(), index(dimension=16, metric="dotproduct"))

    result = plan(desired, live_state(project(), owned(index())), SETTINGS)

    assert block_of(result, "project/a/index/recs") == (
        Block(
            "replace",
            "immutable fields change (schema.fields._values.dimension, schema.fields._values.metric): "
            "replacing the index deletes all its vectors",
            "--allow-replace project/a/index/recs or allow_replace: true",
        ),
    )
    assert reason_of(result, "project/a/index/recs") == (
        "immutable fields differ (schema.fields._values.dimension, schema.fields._values.metric): "
        "it is deleted and created again"
    )


def test_replacing_a_protected_index_says_protection_must_go_first() -> None:
    desired = desired_state(project(), index(dimension=16, protection="enabled", allow_replace=True))

    result = plan(desired, live_state(project(), owned(index(protection="enabled"))), SETTINGS)

    assert block_of(result, "project/a/index/recs") == (
        Block(
            "deletion-protection",
            "deletion protection is enabled on the live index, which a replace must delete",
            "set deletion_protection: disabled and apply without the immutable change, then replace",
        ),
    )


def test_an_update_of_a_protected_index_is_not_blocked_by_its_protection() -> None:
    desired = desired_state(project(), index(tags={"team": "x"}, protection="enabled"))

    result = plan(desired, live_state(project(), owned(index(protection="enabled"))), SETTINGS)

    assert [(c.action, c.blocks) for c in result.changes] == [(Action.UPDATE, ())]


def test_an_unresolved_service_account_names_it_and_where_to_declare_it() -> None:
    desired = desired_state(project(), binding(principal="ghost"))

    result = plan(desired, live_state(project(), scopes={"project/a", "organization"}), SETTINGS)

    assert block_of(result, "project/a/role-binding/service-account:ghost/ProjectViewer") == (
        Block(
            "unresolved-reference",
            "service account ghost is declared nowhere and does not exist live",
            "declare it under service_accounts in the Organization document, or fix the name",
        ),
    )


def test_a_project_delete_lists_the_indexes_declarate_does_not_own() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(ensure_absent=True)})
    live = live_state(project(), index(name="zeta"), index(name="alpha"), owned(index(name="mine")))

    result = plan(desired, live, CUSTOM_TAG)

    assert block_of(result, "project/a") == (
        Block(
            "project-not-empty",
            "the project still holds indexes declarate does not own: alpha, mine, zeta",
            "delete them by hand, or tag them `owner=platform` so that declarate deletes them",
        ),
    )


def test_a_project_delete_with_only_owned_indexes_is_not_blocked() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(ensure_absent=True)})

    result = plan(desired, live_state(project(), owned(index())), SETTINGS)

    assert [(str(c.address), c.blocks) for c in result.changes] == [
        ("project/a/index/recs", ()),
        ("project/a", ()),
    ]


def test_require_deletion_protection_says_which_indexes_it_covers() -> None:
    tagged = Settings(policies=Policies(require_deletion_protection={"env": "prod", "tier": "1"}))
    every = Settings(policies=Policies(require_deletion_protection={}))
    desired = desired_state(project(), index(tags={"env": "prod", "tier": "1"}))

    assert block_of(plan(desired, live_state(project()), tagged), "project/a/index/recs") == (
        Block(
            "policy:require_deletion_protection",
            "policy require_deletion_protection: indexes tagged env=prod, tier=1 must set "
            "deletion_protection: enabled",
            "set deletion_protection: enabled on the index",
        ),
    )
    assert block_of(plan(desired, live_state(project()), every), "project/a/index/recs") == (
        Block(
            "policy:require_deletion_protection",
            "policy require_deletion_protection: every index must set deletion_protection: enabled",
            "set deletion_protection: enabled on the index",
        ),
    )


def test_require_deletion_protection_never_blocks_the_delete_of_an_index() -> None:
    every = Settings(policies=Policies(require_deletion_protection={}))

    result = plan(desired_state(project()), live_state(project(), owned(index())), every)

    assert [(c.action, c.blocks) for c in result.changes] == [(Action.DELETE, ())]


def test_forbid_roles_names_every_forbidden_role_the_key_would_hold() -> None:
    settings = Settings(policies=Policies(forbid_roles=("ProjectEditor", "DataPlaneEditor")))
    desired = desired_state(project(), api_key(roles=["ProjectEditor", "DataPlaneViewer", "DataPlaneEditor"]))

    assert block_of(plan(desired, live_state(project()), settings), "project/a/api-key/svc") == (
        Block(
            "policy:forbid_roles",
            "policy forbid_roles: API keys may not hold DataPlaneEditor, ProjectEditor",
            "remove DataPlaneEditor, ProjectEditor from the key's roles",
        ),
    )


def test_forbid_roles_blocks_an_update_that_grants_a_forbidden_role() -> None:
    settings = Settings(policies=Policies(forbid_roles=("ProjectEditor",)))
    desired = desired_state(project(), api_key(roles=["ProjectEditor"]))
    live = live_state(project(), api_key(roles=["DataPlaneViewer"]))

    (change,) = plan(desired, live, settings).changes

    assert change.action is Action.UPDATE
    assert [b.rule for b in change.blocks] == ["policy:forbid_roles"]


def test_forbid_roles_never_blocks_deleting_a_key_that_holds_one() -> None:
    settings = Settings(policies=Policies(forbid_roles=("ProjectEditor",)))
    desired = desired_state(project(), directives={"project/a": ScopeDirectives(prune_api_keys=True)})

    result = plan(desired, live_state(project(), api_key(roles=["ProjectEditor"])), settings)

    assert [(c.action, c.blocks) for c in result.changes] == [(Action.DELETE, ())]


def test_max_indexes_per_project_states_the_count_and_the_limit() -> None:
    settings = Settings(policies=Policies(max_indexes_per_project=1))
    desired = desired_state(project(), index(name="one"), index(name="two"))

    assert block_of(plan(desired, live_state(project()), settings), "project/a/index/one") == (
        Block(
            "policy:max_indexes_per_project",
            "policy max_indexes_per_project: project/a declares 2 indexes, more than the limit of 1",
            "declare at most 1 indexes in the project, or raise policies.max_indexes_per_project",
        ),
    )


def test_max_indexes_per_project_allows_exactly_the_limit() -> None:
    settings = Settings(policies=Policies(max_indexes_per_project=2))
    desired = desired_state(project(), index(name="one"), index(name="two"))

    assert not plan(desired, live_state(project()), settings).blocked


def test_max_indexes_per_project_counts_each_project_on_its_own() -> None:
    settings = Settings(policies=Policies(max_indexes_per_project=1))
    desired = desired_state(project("a"), index("a", "one"), project("b"), index("b", "x"), index("b", "y"))

    result = plan(desired, live_state(scopes={"project/a", "project/b"}), settings)

    assert {str(c.address) for c in result.blocked} == {"project/b/index/x", "project/b/index/y"}


def test_the_tag_limit_counts_the_ownership_tag_and_says_how_many_are_left() -> None:
    twenty = {f"t{n:02}": "x" for n in range(20)}

    result = plan(desired_state(project(), index(tags=twenty)), live_state(project()), CUSTOM_TAG)

    assert block_of(result, "project/a/index/recs") == (
        Block(
            "tag-limit",
            "the index would carry 21 tags, including declarate's ownership tag owner=platform; "
            "Pinecone allows at most 20",
            "none: declare at most 19 tags of your own on this index",
        ),
    )


def test_every_rule_that_blocks_a_change_is_listed_hardest_first() -> None:
    settings = Settings(policies=Policies(require_deletion_protection={}))
    twenty = {f"t{n:02}": "x" for n in range(20)}
    pod = {"deployment_type": "pod", "environment": "us-east1-gcp", "pod_type": "p1.x1"}

    (change,) = plan(
        desired_state(project(), index(tags=twenty, deployment=pod)), live_state(project()), settings
    ).changes

    assert [b.rule for b in change.blocks] == [
        "pod-create",
        "tag-limit",
        "policy:require_deletion_protection",
    ]


def test_reasons_say_why_each_change_is_planned() -> None:
    desired = desired_state(
        project(),
        index(name="new"),
        index(name="taken", tags={"team": "x"}),
        api_key(roles=["DataPlaneViewer"]),
        directives={"project/a": ScopeDirectives(prune_api_keys=True)},
    )
    live = live_state(
        project(), index(name="taken"), api_key(), api_key(name="stray"), owned(index(name="old"))
    )

    result = plan(desired, live, CUSTOM_TAG)

    assert reason_of(result, "project/a/index/new") == "declared in config, not found live"
    assert reason_of(result, "project/a/index/taken") == (
        "declared in config and found live without the ownership tag owner=platform: declarate tags it "
        "and reconciles it in place"
    )
    assert reason_of(result, "project/a/api-key/svc") == "live differs from config in roles"
    assert reason_of(result, "project/a/api-key/stray") == (
        "not declared in config, and the project sets prune.api_keys: true"
    )
    assert unmanaged(result) == {"project/a/index/old": "not declared and not tagged owner=platform"}


def test_delete_reasons_name_the_tag_the_prune_setting_or_the_authoritative_principal() -> None:
    desired = desired_state(
        project(),
        binding(principal="ci", role="ProjectEditor"),
        service_account("ci"),
        directives={"organization": ScopeDirectives(prune_service_accounts=True)},
    )
    live = live_state(
        project(),
        owned(index(name="old")),
        binding(principal="ci", role="ProjectViewer"),
        service_account("ci"),
        service_account("stray"),
        scopes={"project/a", "organization"},
    )

    result = plan(desired, live, SETTINGS)

    assert (
        reason_of(result, "project/a/index/old") == "not declared in config, and tagged managed-by=declarate"
    )
    assert reason_of(result, "project/a/role-binding/service-account:ci/ProjectViewer") == (
        "service-account:ci is named in the role bindings of project/a, so declarate owns all its roles "
        "there, and ProjectViewer is not declared"
    )
    assert reason_of(result, "service-account/stray") == (
        "not declared in config, and the Organization document sets prune.service_accounts: true"
    )


def test_unmanaged_reasons_say_how_to_manage_the_object() -> None:
    desired = desired_state(project(), scopes={"organization"})
    live = live_state(
        project(),
        project("elsewhere"),
        api_key(name="stray"),
        binding(principal="bob@example.com", principal_type=PrincipalType.USER),
        service_account("stray"),
        org_binding("carol@example.com", principal_type=PrincipalType.USER),
        scopes={"project/a", "project/elsewhere", "organization"},
    )

    assert unmanaged(plan(desired, live, SETTINGS)) == {
        "project/elsewhere": "project not declared in config: declarate does not read or change it",
        "project/a/api-key/stray": "not declared; set prune.api_keys: true in the project to delete it",
        "project/a/role-binding/user:bob@example.com/ProjectViewer": (
            "not declared; set prune.role_bindings: true in the project to delete it"
        ),
        "service-account/stray": (
            "not declared; set prune.service_accounts: true in the Organization document to delete it"
        ),
        "organization/role-binding/user:carol@example.com/OrgMember": (
            "not declared; set prune.role_bindings: true in the Organization document to delete it"
        ),
    }


def test_unmanaged_reasons_for_scopes_the_config_does_not_declare_or_could_not_read() -> None:
    desired = desired_state(project("a"), project("b"))
    live = live_state(
        project("a"),
        api_key("a", "k"),
        api_key("c", "k"),
        api_key("b", "k"),
        service_account("ci"),
        scopes={"project/a", "project/c", "organization"},
    )

    assert unmanaged(plan(desired, live, SETTINGS)) == {
        "project/a/api-key/k": "not declared; set prune.api_keys: true in the project to delete it",
        "project/b/api-key/k": (
            "project/b was not read whole: declarate never deletes what it could not see entirely"
        ),
        "project/c/api-key/k": "project/c is not declared in config",
        "service-account/ci": (
            "the config has no Organization document: organization objects are not managed"
        ),
    }


def test_a_live_project_in_a_declared_scope_it_does_not_declare_is_left_alone() -> None:
    desired = desired_state(project("a"), scopes={"project/b"})

    result = plan(desired, live_state(project("a"), project("b")), SETTINGS)

    assert (result.changes, unmanaged(result)) == ((), {"project/b": "project not declared in config"})


def test_ensure_absent_reasons_say_what_goes_and_what_stays() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(ensure_absent=True)})
    live = live_state(project(), owned(index(name="mine")), index(name="theirs"), api_key(), binding())

    result = plan(desired, live, SETTINGS)

    assert reason_of(result, "project/a") == (
        "the project declares ensure: absent; its owned indexes and its API keys are deleted first"
    )
    assert reason_of(result, "project/a/index/mine") == (
        "project/a declares ensure: absent, and the index is tagged managed-by=declarate"
    )
    assert reason_of(result, "project/a/api-key/svc") == "project/a declares ensure: absent"
    assert unmanaged(result) == {
        "project/a/index/theirs": (
            "not tagged managed-by=declarate: declarate will not delete it, so project/a stays"
        )
    }
    assert "project/a/role-binding/service-account:ci/ProjectViewer" not in {
        str(c.address) for c in result.changes
    }
