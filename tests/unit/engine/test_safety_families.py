"""One plan per family of safety mistakes that mutation testing found unguarded.

Each test is a situation a user could meet, and fails if the engine gets one family wrong: a create in
the plan hiding the deletes behind it from the mass-deletion rules, one project under the threshold
hiding another over it, protected or unowned objects inflating the count, bindings that are not role
changes exempted as if they were, a protected object hiding the undeclared objects after it.
"""

from __future__ import annotations

from declarate.engine import plan
from declarate.model.plan import Action
from declarate.model.resource import Origin
from declarate.model.settings import Safety, Settings
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
    owned,
    project,
    service_account,
)


def rules_by_address(result: object) -> dict[str, list[str]]:
    return {str(c.address): [b.rule for b in c.blocks] for c in result.changes}  # type: ignore[attr-defined]


def test_a_create_in_the_same_plan_does_not_hide_a_mass_delete() -> None:
    desired = desired_state(project(), index(name="fresh"), *(index(name=f"ix{n}") for n in range(5)))
    live = live_state(project(), *(owned(index(name=f"ix{n}")) for n in range(10)))

    rules = rules_by_address(plan(desired, live, SETTINGS))

    assert rules["project/a/index/fresh"] == []
    assert {tuple(rules[f"project/a/index/ix{n}"]) for n in range(5, 10)} == {("mass-delete",)}


def test_each_project_is_judged_on_its_own_deletes() -> None:
    desired = desired_state(
        project("a"),
        project("b"),
        *(index("a", f"ix{n}") for n in range(9)),
        *(index("b", f"ix{n}") for n in range(5)),
    )
    live = live_state(
        project("a"),
        project("b"),
        *(owned(index("a", f"ix{n}")) for n in range(10)),
        *(owned(index("b", f"ix{n}")) for n in range(10)),
    )

    rules = rules_by_address(plan(desired, live, SETTINGS))

    assert rules["project/a/index/ix9"] == []  # 1 of 10
    assert {tuple(rules[f"project/b/index/ix{n}"]) for n in range(5, 10)} == {("mass-delete",)}


def test_protected_indexes_do_not_count_towards_what_declarate_owns() -> None:
    # 9 owned and deletable plus one protected: 4 of 9 is below min_existing, so it is no mass delete.
    keep = owned(index(name="declarate-own"))
    live = live_state(
        project(), keep, *(owned(index(name=f"ix{n}")) for n in range(9)), protected={keep.address}
    )
    desired = desired_state(project(), *(index(name=f"ix{n}") for n in range(5)))

    result = plan(desired, live, SETTINGS)

    assert [c.action for c in result.changes] == [Action.DELETE] * 4 and not result.blocked


def test_unowned_indexes_never_make_a_delete_all_look_partial() -> None:
    live = live_state(project(), owned(index(name="one")), owned(index(name="two")), index(name="theirs"))

    result = plan(desired_state(project()), live, SETTINGS)

    assert rules_by_address(result) == {
        "project/a/index/one": ["delete-all"],
        "project/a/index/two": ["delete-all"],
    }


def test_pruned_bindings_without_a_new_role_are_mass_deletes_not_role_changes() -> None:
    desired = desired_state(
        project(),
        binding(principal="sa0", role="ProjectEditor"),
        directives={"project/a": ScopeDirectives(prune_role_bindings=True)},
    )
    live = live_state(
        project(),
        binding(principal="sa1"),
        binding(principal="sa2"),
        *(service_account(f"sa{n}") for n in range(3)),
        scopes={"project/a", "organization"},
    )

    rules = rules_by_address(plan(desired, live, SETTINGS))

    assert rules["project/a/role-binding/service-account:sa0/ProjectEditor"] == []  # a new principal
    for name in ("sa1", "sa2"):
        assert rules[f"project/a/role-binding/service-account:{name}/ProjectViewer"] == ["delete-all"]


def test_the_fraction_applies_from_exactly_min_existing_owned_objects() -> None:
    settings = Settings(safety=Safety(min_existing=4))
    desired = desired_state(project(), index(name="ix0"), index(name="ix1"), index(name="ix2"))

    result = plan(desired, live_state(project(), *(owned(index(name=f"ix{n}")) for n in range(4))), settings)

    assert rules_by_address(result) == {"project/a/index/ix3": []}  # 1 of 4 = 25%
    two = plan(
        desired_state(project(), index(name="ix0"), index(name="ix1")),
        live_state(project(), *(owned(index(name=f"ix{n}")) for n in range(4))),
        settings,
    )
    assert set(map(tuple, rules_by_address(two).values())) == {("mass-delete",)}  # 2 of 4 = 50%


def test_a_protected_object_does_not_hide_the_undeclared_objects_after_it() -> None:
    mine = api_key(name="aaa-declarate-temporary")
    live = live_state(
        project(), mine, api_key(name="stray"), owned(index(name="old")), protected={mine.address}
    )
    desired = desired_state(project(), directives={"project/a": ScopeDirectives(prune_api_keys=True)})

    assert actions(plan(desired, live, SETTINGS).changes) == [
        ("project/a/index/old", "delete"),
        ("project/a/api-key/stray", "delete"),
    ]


def test_a_protected_object_is_never_changed_even_when_declared() -> None:
    mine = api_key(name="declarate-temporary", roles=["ProjectEditor"])
    desired = desired_state(project(), api_key(name="declarate-temporary", roles=["DataPlaneViewer"]))

    assert plan(desired, live_state(project(), mine, protected={mine.address}), SETTINGS).changes == ()


def test_a_create_points_at_the_declaration_in_the_config() -> None:
    (change,) = plan(desired_state(project(), index(line=42)), live_state(project()), SETTINGS).changes

    assert change.source == Origin("projects/a.yaml", 42)
    assert change.fields[0].source == Origin("projects/a.yaml", 43, 3)


def test_mass_deletion_messages_name_the_kind_in_words() -> None:
    prune = ScopeDirectives(prune_api_keys=True, prune_role_bindings=True)
    desired = desired_state(project(), directives={"project/a": prune})
    live = live_state(
        project(),
        api_key(name="k1"),
        api_key(name="k2"),
        binding(principal="sa1"),
        binding(principal="sa2"),
        *(service_account(f"sa{n}") for n in (1, 2)),
        scopes={"project/a", "organization"},
    )

    messages = {b.message for c in plan(desired, live, SETTINGS).changes for b in c.blocks}

    assert messages == {
        "this plan deletes all 2 API keys declarate owns in project/a",
        "this plan deletes all 2 role bindings declarate owns in project/a",
    }


def test_a_role_change_does_not_hide_the_mass_deletes_after_it() -> None:
    # The role change in project a comes before project b's deletes in address order.
    desired = desired_state(
        project("a"),
        project("b"),
        binding("a", role="ProjectEditor"),
        directives={"project/a": ScopeDirectives(prune_role_bindings=True)},
    )
    live = live_state(
        project("a"),
        project("b"),
        binding("a", role="ProjectViewer"),
        owned(index("b", "x")),
        owned(index("b", "y")),
    )

    rules = rules_by_address(plan(desired, live, SETTINGS))

    assert rules["project/b/index/x"] == rules["project/b/index/y"] == ["delete-all"]


def test_removing_some_of_an_index_s_schedules_is_not_a_delete_all() -> None:
    desired = desired_state(project(), index(backup_schedules=True), backup_schedule())
    live = live_state(
        project(),
        owned(index()),
        backup_schedule(),
        backup_schedule(name="weekly", enabled=False),
        backup_schedule(name="monthly", enabled=False),
    )

    result = plan(desired, live, SETTINGS)

    assert sorted(c.action.value for c in result.changes) == ["delete", "delete"]
    assert all(c.blocks == () for c in result.changes)


def test_removing_some_roles_of_a_named_principal_is_not_a_delete_all() -> None:
    # ci is named in project a's bindings, so declarate owns all its roles there: 2 of 3 go.
    desired = desired_state(project(), binding(role="ProjectViewer"))
    live = live_state(
        project(), binding(role="ProjectViewer"), binding(role="ProjectEditor"), binding(role="ProjectOwner")
    )

    result = plan(desired, live, SETTINGS)

    assert [c.action.value for c in result.changes] == ["delete", "delete"]
    assert all(c.blocks == () for c in result.changes)
