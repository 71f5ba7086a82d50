"""The planner's actions: what a user sees planned for each difference between config and live state."""

from __future__ import annotations

import dataclasses
import json

from declarate.engine import plan
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Resource
from declarate.model.settings import Overrides
from declarate.model.state import ScopeDirectives

from .builders import (
    SETTINGS,
    actions,
    api_key,
    backup_schedule,
    binding,
    desired_state,
    index,
    live_state,
    org_binding,
    owned,
    project,
    service_account,
)

RECS = Address.index("a", "recs")


def only_change(result: Plan) -> Change:
    (change,) = result.changes
    return change


def test_declared_index_missing_live_is_created_with_the_ownership_tag() -> None:
    desired = desired_state(project(), index(tags={"team": "a"}))

    change = only_change(plan(desired, live_state(project()), SETTINGS))

    assert (change.address, change.action) == (RECS, Action.CREATE)
    assert change.reason == "declared in config, not found live"
    assert change.before is None
    assert change.after is not None and change.after["tags"] == {"managed-by": "declarate", "team": "a"}
    assert ("tags.managed-by", None, "declarate") in [(f.path, f.before, f.after) for f in change.fields]
    assert change.blocked is None


def test_a_whole_new_project_is_created_with_everything_in_it() -> None:
    desired = desired_state(project(), index(), api_key(), binding(), scopes={"organization"})
    live = live_state(service_account(), scopes={"organization"})

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a", "create"),
        ("project/a/api-key/svc", "create"),
        ("project/a/index/recs", "create"),
        ("project/a/role-binding/service-account:ci/ProjectViewer", "create"),
    ]
    assert not result.blocked


def test_matching_live_state_plans_nothing() -> None:
    resources = [project(), index(tags={"team": "a"}), api_key(), binding()]
    live_resources = [project(), owned(index(tags={"team": "a"})), api_key(), binding()]

    result = plan(desired_state(*resources), live_state(*live_resources), SETTINGS)

    assert result.changes == ()
    assert result.unmanaged == ()
    assert not result.has_changes


def test_in_place_difference_is_an_update_with_live_before_and_desired_after() -> None:
    desired = desired_state(project(), index(protection="enabled"))
    live = live_state(project(), owned(index()))

    change = only_change(plan(desired, live, SETTINGS))

    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("deletion_protection", "disabled", "enabled")
    ]
    assert change.reason == "live differs from config in deletion_protection"
    assert change.before == dict(owned(index()).attrs)
    assert change.after is not None and change.after["deletion_protection"] == "enabled"
    assert change.source == desired.resources[RECS].origin
    assert change.fields[0].source == desired.resources[RECS].origins["deletion_protection"]


def test_an_update_of_several_fields_names_each_of_them_in_its_reason() -> None:
    desired = desired_state(project(), index(protection="enabled", tags={"team": "recs"}))
    live = live_state(project(), owned(index()))

    change = only_change(plan(desired, live, SETTINGS))

    assert change.reason == "live differs from config in deletion_protection, tags.team"
    # Written in the config as the path itself: the plan file names no separate spelling.
    (protection, team) = Plan(changes=(change,)).to_json()["changes"][0]["fields"]
    assert "shown_as" not in protection and "shown_as" not in team


def test_a_created_project_carries_no_ownership_tag() -> None:
    change = only_change(plan(desired_state(project()), live_state(), SETTINGS))

    assert change.action is Action.CREATE and change.after == dict(project().attrs)
    assert all(not f.path.startswith("tags") for f in change.fields)


def _in_config_words(recs: Resource) -> Resource:
    """The index as a config that wrote `dimension` (sugar for the schema's one dense field) declares it."""
    return dataclasses.replace(recs, spellings=(("schema.fields._values.dimension", "dimension"),))


def test_a_create_and_a_replace_name_the_dimension_as_the_config_wrote_it() -> None:
    created = only_change(
        plan(desired_state(project(), _in_config_words(index())), live_state(project()), SETTINGS)
    )
    desired = desired_state(project(), _in_config_words(index(dimension=16, allow_replace=True)))
    replaced = only_change(plan(desired, live_state(project(), owned(index())), SETTINGS))

    assert "dimension" in [f.display_path for f in created.fields]
    assert [f.display_path for f in replaced.fields] == ["dimension"]
    assert replaced.reason == "immutable fields differ (dimension): it is deleted and created again"


def test_read_capacity_change_is_an_update() -> None:
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "b1", "scaling": "Manual"}}
    desired = desired_state(project(), index(read_capacity=dedicated))

    change = only_change(plan(desired, live_state(project(), owned(index())), SETTINGS))

    assert change.action is Action.UPDATE
    assert [f.path for f in change.fields] == ["read_capacity"]
    assert change.blocked is None


def test_tag_removed_from_config_shows_as_a_diff() -> None:
    desired = desired_state(project(), index(tags={"team": "a"}))
    live = live_state(project(), owned(index(tags={"team": "a", "env": "dev"})))

    change = only_change(plan(desired, live, SETTINGS))

    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [("tags.env", "dev", None)]


def test_dimension_change_is_a_blocked_replace() -> None:
    desired = desired_state(project(), index(dimension=16))

    change = only_change(plan(desired, live_state(project(), owned(index(dimension=8))), SETTINGS))

    assert change.action is Action.REPLACE
    assert [f.path for f in change.fields] == ["schema.fields._values.dimension"]
    assert change.blocked is not None
    assert change.blocked.rule == "replace"
    assert "schema.fields._values.dimension" in change.blocked.message
    assert "replacing the index deletes all its vectors" in change.blocked.message
    assert change.blocked.override == "--allow-replace project/a/index/recs or allow_replace: true"


def test_allow_replace_in_config_lets_the_replace_run() -> None:
    desired = desired_state(project(), index(dimension=16, allow_replace=True))

    change = only_change(plan(desired, live_state(project(), owned(index())), SETTINGS))

    assert (change.action, change.blocked) == (Action.REPLACE, None)


def test_allow_replace_flag_for_the_address_lets_the_replace_run() -> None:
    desired = desired_state(project(), index(dimension=16), index(name="other", dimension=16))
    live = live_state(project(), owned(index()), owned(index(name="other")))

    result = plan(desired, live, SETTINGS, Overrides(allow_replace=frozenset({"project/a/index/recs"})))

    blocked = {str(c.address): c.blocked for c in result.changes}
    assert blocked["project/a/index/recs"] is None
    assert blocked["project/a/index/other"] is not None


def test_replace_keeps_other_differences_in_its_fields() -> None:
    desired = desired_state(project(), index(dimension=16, tags={"team": "b"}))

    change = only_change(plan(desired, live_state(project(), owned(index(tags={"team": "a"}))), SETTINGS))

    assert change.action is Action.REPLACE
    assert [f.path for f in change.fields] == ["schema.fields._values.dimension", "tags.team"]


def test_ignore_changes_hides_the_path_and_keeps_its_live_value() -> None:
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "b1"}}
    desired = desired_state(
        project(), index(tags={"team": "a"}, ignore_changes=["tags.cost-center", "read_capacity"])
    )
    live = live_state(
        project(), owned(index(tags={"team": "a", "cost-center": "42"}, read_capacity=dedicated))
    )

    assert plan(desired, live, SETTINGS).changes == ()


def test_ignore_changes_keeps_live_values_in_the_planned_after() -> None:
    desired = desired_state(project(), index(tags={"team": "b"}, ignore_changes=["tags.cost-center"]))
    live = live_state(project(), owned(index(tags={"team": "a", "cost-center": "42"})))

    change = only_change(plan(desired, live, SETTINGS))

    assert [f.path for f in change.fields] == ["tags.team"]
    assert change.after is not None
    assert change.after["tags"] == {"cost-center": "42", "managed-by": "declarate", "team": "b"}


def test_project_max_pods_change_is_an_update() -> None:
    desired = desired_state(project(max_pods=4))

    change = only_change(plan(desired, live_state(project()), SETTINGS))

    assert (change.address, change.action) == (Address.project_("a"), Action.UPDATE)
    assert [(f.path, f.before, f.after) for f in change.fields] == [("max_pods", 0, 4)]


def test_api_key_role_change_is_an_update() -> None:
    desired = desired_state(project(), api_key(roles=["DataPlaneViewer"]))

    change = only_change(plan(desired, live_state(project(), api_key()), SETTINGS))

    assert change.action is Action.UPDATE
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("roles", ["ProjectEditor"], ["DataPlaneViewer"])
    ]


def test_role_change_with_prune_creates_the_new_binding_and_deletes_the_old() -> None:
    desired = desired_state(
        project(),
        binding(role="ProjectEditor"),
        directives={"project/a": ScopeDirectives(prune_role_bindings=True)},
    )
    live = live_state(
        project(), binding(role="ProjectViewer"), service_account(), scopes={"project/a", "organization"}
    )

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a/role-binding/service-account:ci/ProjectEditor", "create"),
        ("project/a/role-binding/service-account:ci/ProjectViewer", "delete"),
    ]


def test_a_role_change_revokes_the_old_role_without_prune() -> None:
    desired = desired_state(project(), binding(role="ProjectViewer"))
    live = live_state(
        project(), binding(role="ProjectEditor"), service_account(), scopes={"project/a", "organization"}
    )

    result = plan(desired, live, SETTINGS)

    viewer = "project/a/role-binding/service-account:ci/ProjectViewer"
    editor = "project/a/role-binding/service-account:ci/ProjectEditor"
    assert actions(result.changes) == [(viewer, "create"), (editor, "delete")]
    assert [str(a) for a in result.changes[1].depends_on] == [viewer]  # created before the old goes
    assert "owns all its roles there" in result.changes[1].reason
    assert not result.blocked


def test_every_role_of_a_named_principal_is_owned_in_that_scope_only() -> None:
    desired = desired_state(project(), binding(role="ProjectViewer"))
    live = live_state(
        project(),
        binding(role="ProjectViewer"),
        binding(role="ProjectEditor"),
        binding(principal="other", role="ProjectEditor"),
        project("b"),
        binding("b", role="ProjectEditor"),
        org_binding(role="OrgMember"),
        service_account(),
        service_account("other"),
        scopes={"project/a", "project/b", "organization"},
    )

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/a/role-binding/service-account:ci/ProjectEditor", "delete")]
    assert "project/a/role-binding/service-account:other/ProjectEditor" in {
        str(u.address) for u in result.unmanaged
    }  # not named in project/a: unmanaged unless prune


def test_organization_role_bindings_are_authoritative_per_principal_too() -> None:
    desired = desired_state(org_binding(role="OrgMember"))
    live = live_state(org_binding(role="OrgMember"), org_binding(role="OrgOwner"), service_account())

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("organization/role-binding/service-account:ci/OrgOwner", "delete")]


def test_only_keeps_the_selected_changes_and_unmanaged_objects() -> None:
    desired = desired_state(project(), project("b"), index(), index("b", "search"))
    live = live_state(project(), project("b"), index("a", "stray"), index("b", "stray"))

    result = plan(desired, live, SETTINGS, Overrides(only=("project/a",)))

    assert actions(result.changes) == [("project/a/index/recs", "create")]
    assert [str(u.address) for u in result.unmanaged] == ["project/a/index/stray"]


def test_only_does_not_bring_in_dependencies_outside_the_selection() -> None:
    desired = desired_state(project(), index())

    result = plan(desired, live_state(), SETTINGS, Overrides(only=("project/a/index/recs",)))

    change = only_change(result)
    assert (change.address, change.action, change.depends_on) == (RECS, Action.CREATE, ())


def test_fingerprints_cover_live_objects_of_declared_scopes_but_not_declarate_own() -> None:
    temporary_key = api_key(name="declarate-tmp-1")
    desired = desired_state(project(), binding("a", "ci"))
    live = live_state(
        project(),
        binding("a", "ci"),
        temporary_key,
        project("elsewhere"),
        service_account("ci"),
        service_account("unrelated"),
        scopes={"project/a", "organization"},
        protected={temporary_key.address},
    )

    result = plan(desired, live, SETTINGS)

    assert set(result.fingerprints) == {
        "project/a",
        "project/a/role-binding/service-account:ci/ProjectViewer",
        "service-account/ci",
    }
    assert result.fingerprints["project/a"] == live.resources[Address.project_("a")].fingerprint()


def test_created_attrs_never_alias_the_desired_state() -> None:
    desired = desired_state(project(), index())
    change = only_change(plan(desired, live_state(project()), SETTINGS))
    assert change.after is not None
    change.after["tags"]["team"] = "mutated"
    assert desired.resources[RECS].attrs["tags"] == {}


def test_server_side_data_of_live_objects_never_enters_the_plan() -> None:
    secret = "pcsk_server_side_value"
    live_key = dataclasses.replace(api_key(name="manual"), server={"id": "k-1", "value": secret})
    live_index = dataclasses.replace(owned(index(name="old")), server={"host": "old-x.svc", "id": secret})
    desired = desired_state(project(), directives={"project/a": ScopeDirectives(prune_api_keys=True)})

    result = plan(desired, live_state(project(), live_key, live_index), SETTINGS)

    assert len(result.changes) == 2
    assert secret not in json.dumps(result.to_json())


def test_a_planned_change_holds_its_own_copy_of_the_desired_attrs() -> None:
    # Matching objects are compared against the desired attrs without copying them; a change that
    # is planned must still own what it will send, so editing it never edits the desired state.
    declared = index(tags={"team": "a"}, dimension=16)
    desired = desired_state(project(), declared)
    live = live_state(project(), owned(index(tags={"team": "a"})))

    change = only_change(plan(desired, live, SETTINGS))
    assert change.after is not None
    change.after["tags"]["team"] = "edited"
    change.after["schema"]["fields"]["_values"]["dimension"] = 1

    assert declared.attrs["tags"] == {"team": "a"}
    assert declared.attrs["schema"]["fields"]["_values"]["dimension"] == 16
    assert only_change(plan(desired, live, SETTINGS)).after == {
        **declared.attrs,
        "tags": {"managed-by": "declarate", "team": "a"},
    }


def test_left_out_counts_the_changes_only_leaves_out_and_is_zero_without_only() -> None:
    desired = desired_state(project(), index(name="a1"), index(name="a2"), index(name="b1"))
    live = live_state(project())

    whole = plan(desired, live, SETTINGS)
    selected = plan(desired, live, SETTINGS, Overrides(only=("project/a/index/b1",)))

    assert (len(whole.changes), whole.left_out) == (3, 0)
    assert ([str(c.address) for c in selected.changes], selected.left_out) == (["project/a/index/b1"], 2)


def test_objects_after_a_schedule_or_a_rename_s_old_index_in_address_order_are_still_planned() -> None:
    # Declared: a schedule (planned after every index), then a binding; live: a rename's old index
    # (the rename speaks for it), then an undeclared owned index to delete.
    renamed_index = index(name="b-new")
    renamed_index = dataclasses.replace(
        renamed_index, directives=dataclasses.replace(renamed_index.directives, renamed_from="a-old")
    )
    desired = desired_state(
        project(), index(backup_schedules=True), backup_schedule(), binding(), renamed_index
    )
    live = live_state(project(), owned(index()), owned(index(name="a-old")), owned(index(name="z-gone")))

    result = plan(desired, live, SETTINGS, Overrides(allow_mass_delete=True))

    assert sorted(actions(result.changes)) == [
        ("project/a/index/b-new", "rename"),
        ("project/a/index/recs/backup-schedule/nightly", "create"),
        ("project/a/index/z-gone", "delete"),
        ("project/a/role-binding/service-account:ci/ProjectViewer", "create"),
    ]


def test_objects_after_a_protected_one_or_a_recreated_index_s_schedule_are_still_planned() -> None:
    # Address order: the protected key, then the new index; live, the replaced index's schedule, then
    # an undeclared owned index.
    own_key = api_key(name="declarate-key")
    desired = desired_state(
        project(), own_key, index(name="new"), index(dimension=16, allow_replace=True, backup_schedules=True)
    )
    live = live_state(
        project(),
        own_key,
        owned(index()),
        backup_schedule(),
        owned(index(name="z-gone")),
        protected=[own_key.address],
    )

    result = plan(desired, live, SETTINGS, Overrides(allow_mass_delete=True))

    assert sorted(actions(result.changes)) == [
        ("project/a/index/new", "create"),
        ("project/a/index/recs", "replace"),
        ("project/a/index/z-gone", "delete"),
    ]
