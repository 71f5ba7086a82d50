"""Ownership without a state file: adoption, unmanaged objects, pruning, ensure: absent, protected objects."""

from __future__ import annotations

from declarate.engine import plan
from declarate.model.address import Address
from declarate.model.plan import Action, Plan
from declarate.model.settings import Settings
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

PRUNE_ALL = ScopeDirectives(prune_api_keys=True, prune_role_bindings=True, prune_service_accounts=True)
ABSENT = ScopeDirectives(ensure_absent=True)


def unmanaged(result: Plan) -> dict[str, str]:
    return {str(u.address): u.reason for u in result.unmanaged}


def test_declared_index_found_live_without_the_tag_is_adopted() -> None:
    desired = desired_state(project(), index(tags={"team": "a"}, protection="enabled"))
    live = live_state(project(), index(tags={"team": "a"}))

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.ADOPT
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("deletion_protection", "disabled", "enabled"),
        ("tags.managed-by", None, "declarate"),
    ]
    assert change.fields[1].reason == "the ownership tag marks the index as managed by declarate"
    assert "without the ownership tag managed-by=declarate" in change.reason
    assert change.blocked is None


def test_adopting_an_index_with_different_immutable_fields_is_blocked_never_replaced() -> None:
    desired = desired_state(project(), index(dimension=16, allow_replace=True))
    live = live_state(project(), index(dimension=8))

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.ADOPT
    assert change.blocked is not None
    assert change.blocked.rule == "adopt-immutable"
    assert "schema.fields._values.dimension" in change.blocked.message
    assert "never recreates an index it does not own" in change.blocked.message
    assert change.blocked.override == (
        "tag the index `managed-by=declarate` by hand to let declarate own (and replace) it, "
        "or change the config to match the live index"
    )


def test_an_ownership_tag_with_another_value_does_not_make_the_index_owned() -> None:
    stray = index(name="stray", tags={"managed-by": "terraform"})

    result = plan(desired_state(project()), live_state(project(), stray), SETTINGS)

    assert result.changes == ()
    assert unmanaged(result) == {"project/a/index/stray": "not declared and not tagged managed-by=declarate"}


def test_the_ownership_tag_comes_from_the_workspace_settings() -> None:
    settings = Settings(ownership_tag_key="owner", ownership_tag_value="platform")
    stray = index(name="stray", tags={"owner": "platform"})

    result = plan(desired_state(project(), index()), live_state(project(), stray), settings)

    assert actions(result.changes) == [
        ("project/a/index/recs", "create"),
        ("project/a/index/stray", "delete"),
    ]
    create = result.changes[0]
    assert create.after is not None and create.after["tags"] == {"owner": "platform"}


def test_undeclared_index_without_the_tag_is_reported_unmanaged_not_deleted() -> None:
    result = plan(desired_state(project()), live_state(project(), index(name="legacy")), SETTINGS)

    assert result.changes == ()
    assert unmanaged(result) == {"project/a/index/legacy": "not declared and not tagged managed-by=declarate"}
    assert not result.has_changes


def test_undeclared_owned_index_is_deleted() -> None:
    result = plan(desired_state(project()), live_state(project(), owned(index(name="old"))), SETTINGS)

    (change,) = result.changes
    assert (str(change.address), change.action, change.blocked) == (
        "project/a/index/old",
        Action.DELETE,
        None,
    )
    assert change.after is None and change.fields == () and change.source is None
    assert change.before == owned(index(name="old")).attrs
    assert change.reason == "not declared in config, and tagged managed-by=declarate"


def test_undeclared_api_key_is_unmanaged_unless_the_project_prunes_keys() -> None:
    live = live_state(project(), api_key(name="manual"))

    kept = plan(desired_state(project()), live, SETTINGS)
    pruned = plan(desired_state(project(), directives={"project/a": PRUNE_ALL}), live, SETTINGS)

    assert kept.changes == ()
    assert "set prune.api_keys: true" in unmanaged(kept)["project/a/api-key/manual"]
    assert actions(pruned.changes) == [("project/a/api-key/manual", "delete")]
    assert pruned.unmanaged == ()


def test_undeclared_role_binding_is_deleted_when_the_project_prunes_bindings() -> None:
    live = live_state(project(), binding(role="ProjectOwner"))

    kept = plan(desired_state(project()), live, SETTINGS)
    pruned = plan(desired_state(project(), directives={"project/a": PRUNE_ALL}), live, SETTINGS)

    assert list(unmanaged(kept)) == ["project/a/role-binding/service-account:ci/ProjectOwner"]
    assert actions(pruned.changes) == [("project/a/role-binding/service-account:ci/ProjectOwner", "delete")]


def test_service_accounts_are_pruned_only_when_the_organization_is_declared() -> None:
    live = live_state(
        service_account("manual"), org_binding("manual"), project(), scopes={"organization", "project/a"}
    )

    without_org = plan(desired_state(project()), live, SETTINGS)
    with_org = plan(desired_state(project(), directives={"organization": PRUNE_ALL}), live, SETTINGS)

    assert without_org.changes == ()
    assert set(unmanaged(without_org)) == {
        "service-account/manual",
        "organization/role-binding/service-account:manual/OrgMember",
    }
    assert "no Organization document" in unmanaged(without_org)["service-account/manual"]
    assert actions(with_org.changes) == [
        ("organization/role-binding/service-account:manual/OrgMember", "delete"),
        ("service-account/manual", "delete"),
    ]


def test_undeclared_project_is_unmanaged_and_nothing_inside_it_is_touched() -> None:
    live = live_state(project(), project("other"), owned(index("other", "x")), scopes={"project/a"})

    result = plan(desired_state(project()), live, SETTINGS)

    assert result.changes == ()
    assert set(unmanaged(result)) == {"project/other", "project/other/index/x"}
    assert "project not declared in config" in unmanaged(result)["project/other"]


def test_ensure_absent_deletes_owned_indexes_and_keys_then_the_project() -> None:
    desired = desired_state(directives={"project/a": ABSENT})
    live = live_state(project(), owned(index()), api_key(), binding())

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a/index/recs", "delete"),
        ("project/a/api-key/svc", "delete"),
        ("project/a", "delete"),
    ]
    assert not result.blocked
    assert result.unmanaged == ()  # its role bindings go with the project


def test_ensure_absent_ignores_what_the_document_still_declares() -> None:
    desired = desired_state(project(), index(), directives={"project/a": ABSENT})
    live = live_state(project(), owned(index()))

    assert actions(plan(desired, live, SETTINGS).changes) == [
        ("project/a/index/recs", "delete"),
        ("project/a", "delete"),
    ]


def test_ensure_absent_with_unowned_indexes_blocks_the_project_delete() -> None:
    desired = desired_state(directives={"project/a": ABSENT})
    live = live_state(project(), owned(index()), index(name="legacy"), index(name="manual"))

    result = plan(desired, live, SETTINGS)

    changes = {str(c.address): c for c in result.changes}
    assert changes["project/a/index/recs"].blocked is None
    block = changes["project/a"].blocked
    assert block is not None and block.rule == "project-not-empty"
    assert "legacy, manual" in block.message
    assert "tag them `managed-by=declarate`" in block.override
    assert set(unmanaged(result)) == {"project/a/index/legacy", "project/a/index/manual"}


def test_ensure_absent_for_a_project_that_does_not_exist_plans_nothing() -> None:
    result = plan(desired_state(directives={"project/a": ABSENT}), live_state(), SETTINGS)
    assert result.changes == () and result.unmanaged == ()


def test_declarate_own_principal_bindings_and_temporary_keys_are_never_touched_nor_reported() -> None:
    temporary_key = api_key(name="declarate-tmp-123", roles=["ControlPlaneEditor"])
    own_binding = binding(principal="declarate", role="ProjectOwner")
    own_account = service_account("declarate")
    desired = desired_state(project(), directives={"project/a": PRUNE_ALL, "organization": PRUNE_ALL})
    live = live_state(
        project(),
        temporary_key,
        own_binding,
        own_account,
        scopes={"project/a", "organization"},
        protected={temporary_key.address, own_binding.address, own_account.address},
    )

    for directives in ({"project/a": PRUNE_ALL, "organization": PRUNE_ALL}, {"project/a": ABSENT}):
        result = plan(desired_state(project(), directives=directives), live, SETTINGS)
        touched = {str(c.address) for c in result.changes} | set(unmanaged(result))
        assert touched.isdisjoint(
            {str(temporary_key.address), str(own_binding.address), str(own_account.address)}
        )
    assert plan(desired, live, SETTINGS).changes == ()


def test_objects_in_a_scope_not_read_whole_are_never_deleted() -> None:
    desired = desired_state(project(), directives={"project/a": PRUNE_ALL, "organization": PRUNE_ALL})
    live = live_state(
        project(), owned(index(name="old")), api_key(name="manual"), service_account("x"), scopes=set()
    )

    result = plan(desired, live, SETTINGS)

    assert result.changes == ()
    assert set(unmanaged(result)) == {"project/a/index/old", "project/a/api-key/manual", "service-account/x"}
    assert "was not read whole" in unmanaged(result)["project/a/index/old"]


def test_unmanaged_objects_alone_are_not_changes() -> None:
    result = plan(desired_state(project()), live_state(project(), index(name="legacy")), SETTINGS)
    assert not result.has_changes
    assert result.summary()["unmanaged"] == 1
    assert Address.index("a", "legacy") in [u.address for u in result.unmanaged]


def test_a_config_that_declares_nothing_never_plans_a_delete() -> None:
    live = live_state(project(), owned(index()), api_key(), service_account("ci"), org_binding("ci"))

    result = plan(desired_state(), live, SETTINGS)

    assert result.changes == ()
    assert len(result.unmanaged) == 5
