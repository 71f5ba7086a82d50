"""Ordering and dependencies: parents are created first and deleted last; a role change creates first."""

from __future__ import annotations

from declarate.engine import plan
from declarate.engine.order import order_changes
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.settings import Overrides
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

PRUNE = ScopeDirectives(prune_api_keys=True, prune_role_bindings=True, prune_service_accounts=True)


def depends(result: Plan) -> dict[str, list[str]]:
    return {str(c.address): [str(a) for a in c.depends_on] for c in result.changes}


def test_creates_run_parents_first_and_deletes_run_children_first() -> None:
    desired = desired_state(
        project("new"),
        index("new", "ix"),
        api_key("new", "key"),
        binding("new", "ci"),
        service_account("ci"),
        directives={"project/old": ScopeDirectives(ensure_absent=True), "organization": PRUNE},
    )
    live = live_state(
        project("old"),
        owned(index("old", "ix")),
        api_key("old", "key"),
        service_account("gone"),
        org_binding("gone"),
    )

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/new", "create"),
        ("project/new/api-key/key", "create"),
        ("service-account/ci", "create"),
        ("project/new/index/ix", "create"),
        ("project/new/role-binding/service-account:ci/ProjectViewer", "create"),
        ("organization/role-binding/service-account:gone/OrgMember", "delete"),
        ("project/old/index/ix", "delete"),
        ("project/old/api-key/key", "delete"),
        ("service-account/gone", "delete"),
        ("project/old", "delete"),
    ]


def test_changes_in_a_new_project_depend_on_its_create() -> None:
    result = plan(desired_state(project(), index(), api_key()), live_state(), SETTINGS)

    assert depends(result) == {
        "project/a": [],
        "project/a/api-key/svc": ["project/a"],
        "project/a/index/recs": ["project/a"],
    }


def test_a_binding_create_depends_on_its_service_account_and_project_creates() -> None:
    desired = desired_state(project(), service_account("ci"), binding("a", "ci"), org_binding("ci"))

    result = plan(desired, live_state(scopes={"organization"}), SETTINGS)

    assert depends(result)["project/a/role-binding/service-account:ci/ProjectViewer"] == [
        "project/a",
        "service-account/ci",
    ]
    assert depends(result)["organization/role-binding/service-account:ci/OrgMember"] == ["service-account/ci"]


def test_a_project_delete_depends_on_the_deletes_of_its_indexes_and_keys() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(ensure_absent=True)})
    live = live_state(project(), owned(index()), owned(index(name="other")), api_key())

    assert depends(plan(desired, live, SETTINGS))["project/a"] == [
        "project/a/api-key/svc",
        "project/a/index/other",
        "project/a/index/recs",
    ]


def test_a_service_account_delete_depends_on_the_deletes_of_its_bindings() -> None:
    desired = desired_state(project(), directives={"organization": PRUNE, "project/a": PRUNE})
    live = live_state(project(), service_account("ci"), binding("a", "ci"), org_binding("ci"))

    assert depends(plan(desired, live, SETTINGS))["service-account/ci"] == [
        "organization/role-binding/service-account:ci/OrgMember",
        "project/a/role-binding/service-account:ci/ProjectViewer",
    ]


def test_a_role_change_creates_the_new_binding_before_deleting_the_old() -> None:
    desired = desired_state(project(), binding(role="ProjectEditor"), directives={"project/a": PRUNE})
    live = live_state(
        project(), binding(role="ProjectViewer"), service_account("ci"), scopes={"project/a", "organization"}
    )

    result = plan(desired, live, SETTINGS)

    assert depends(result) == {
        "project/a/role-binding/service-account:ci/ProjectEditor": [],
        "project/a/role-binding/service-account:ci/ProjectViewer": [
            "project/a/role-binding/service-account:ci/ProjectEditor"
        ],
    }


def test_dependencies_name_only_changes_in_the_plan() -> None:
    desired = desired_state(project(), service_account("ci"), binding("a", "ci"))

    result = plan(
        desired, live_state(scopes={"organization"}), SETTINGS, Overrides(only=("project/a/role-binding",))
    )

    (change,) = result.changes
    assert change.depends_on == ()


def test_replace_depends_on_nothing_special() -> None:
    desired = desired_state(project(), index(dimension=16, allow_replace=True))
    (change,) = plan(desired, live_state(project(), owned(index())), SETTINGS).changes
    assert change.action is Action.REPLACE and change.depends_on == ()


def test_order_ties_are_broken_by_address() -> None:
    changes = [Change(Address.index("a", name), Action.CREATE) for name in ("c", "a", "b")]
    assert [c.address.name for c in order_changes(changes)] == ["a", "b", "c"]
    assert order_changes(changes) == order_changes(reversed(changes))


def test_delete_ties_are_broken_by_address_text_whatever_order_they_come_in() -> None:
    # The planner happens to hand deletes over in text order; the order must not depend on that.
    changes = [Change(Address.index(project, "recs"), Action.DELETE) for project in ("a", "a-b", "c")]
    expected = ["project/a-b/index/recs", "project/a/index/recs", "project/c/index/recs"]
    assert [str(c.address) for c in order_changes(changes)] == expected
    assert [str(c.address) for c in order_changes(reversed(changes))] == expected


def test_a_project_deleted_beside_creates_still_waits_for_its_own_deletes() -> None:
    desired = desired_state(
        project(),
        index(name="new"),
        project("b"),
        directives={"project/b": ScopeDirectives(ensure_absent=True)},
    )
    live = live_state(project(), project("b"), owned(index("b", "old")))

    by_address = {str(c.address): c for c in plan(desired, live, SETTINGS).changes}

    assert by_address["project/b"].action is Action.DELETE
    assert by_address["project/b"].depends_on == (Address.index("b", "old"),)


def test_deletes_of_one_level_run_in_text_order_even_where_address_order_differs() -> None:
    # `project/a-b/...` sorts before `project/a/...` as text ('-' < '/'), after it by project name.
    desired = desired_state(
        directives={
            "project/a": ScopeDirectives(ensure_absent=True),
            "project/a-b": ScopeDirectives(ensure_absent=True),
        }
    )
    live = live_state(project("a"), project("a-b"), owned(index("a")), owned(index("a-b")))

    assert actions(plan(desired, live, SETTINGS).changes) == [
        ("project/a-b/index/recs", "delete"),
        ("project/a/index/recs", "delete"),
        ("project/a", "delete"),
        ("project/a-b", "delete"),
    ]


def test_depends_on_lists_its_addresses_in_text_order() -> None:
    desired = desired_state(
        project("a"),
        project("a-b"),
        directives={"organization": PRUNE, "project/a": PRUNE, "project/a-b": PRUNE},
    )
    live = live_state(
        project("a"),
        project("a-b"),
        service_account("ci"),
        binding("a", "ci"),
        binding("a-b", "ci"),
        org_binding("ci"),
    )

    assert depends(plan(desired, live, SETTINGS))["service-account/ci"] == [
        "organization/role-binding/service-account:ci/OrgMember",
        "project/a-b/role-binding/service-account:ci/ProjectViewer",
        "project/a/role-binding/service-account:ci/ProjectViewer",
    ]
