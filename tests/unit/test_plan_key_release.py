"""Which projects' temporary keys a plan may still need: those where it may read a data impact.

`plan` and `drift` let go of every other project's temporary key as soon as the project is read
(`workflow.data_impact_possible`). The guess may name too many projects (a key kept until the end,
as before), and must name every project where the plan does read a data impact, or that plan would
pay for a new key.
"""

from __future__ import annotations

import dataclasses

import pytest

from declarate.engine.planner import data_impact_targets, plan
from declarate.model.address import Kind
from declarate.model.resource import Directives, Resource
from declarate.model.state import ScopeDirectives, State
from declarate.workflow import data_impact_possible
from tests.unit.engine.builders import SETTINGS, desired_state, index, live_state, owned, project


def projects_with_data_impact(desired: State, live: State) -> set[str]:
    """The live projects for which the guess says yes, each asked with what was read in it."""
    possible = data_impact_possible(desired)
    return {
        p.address.name
        for p in live.of_kind(Kind.PROJECT)
        if possible(p.address.name, live.in_scope(f"project/{p.address.name}"))
    }


def _renamed(resource: Resource, old: str) -> Resource:
    return dataclasses.replace(resource, directives=Directives(renamed_from=old))


def _converged(name: str) -> tuple[list[Resource], list[Resource]]:
    declared = [project(name), index(name, "recs"), index(name, "docs", dimension=16)]
    return declared, [project(name), owned(index(name, "recs")), owned(index(name, "docs", dimension=16))]


CASES: dict[str, tuple[State, State, set[str]]] = {}


def _case(name: str, desired: State, live: State, expected: set[str]) -> None:
    CASES[name] = (desired, live, expected)


_quiet, _quiet_live = _converged("quiet")
_case("converged", desired_state(*_quiet), live_state(*_quiet_live), set())
_case(
    "a tag or protection change is in place",
    desired_state(*_quiet, project("b"), index("b", tags={"team": "x"}, protection="enabled")),
    live_state(*_quiet_live, project("b"), owned(index("b"))),
    set(),
)
_case(
    "an undeclared owned index is deleted",
    desired_state(*_quiet, project("b")),
    live_state(*_quiet_live, project("b"), owned(index("b"))),
    {"b"},
)
_case(
    "a changed dimension is a replace",
    desired_state(*_quiet, project("b"), index("b", dimension=9)),
    live_state(*_quiet_live, project("b"), owned(index("b"))),
    {"b"},
)
_case(
    "a changed cloud is a replace",
    desired_state(
        *_quiet, project("b"), index("b", deployment={"deployment_type": "managed", "cloud": "gcp"})
    ),
    live_state(*_quiet_live, project("b"), owned(index("b"))),
    {"b"},
)
_case(
    "an index rename reads the index it starts from",
    desired_state(*_quiet, project("b"), _renamed(index("b", "new"), "recs")),
    live_state(*_quiet_live, project("b"), owned(index("b", "recs"))),
    {"b"},
)
_case(
    "a project declared absent deletes its indexes",
    desired_state(*_quiet, directives={"project/b": ScopeDirectives(ensure_absent=True)}),
    live_state(*_quiet_live, project("b"), owned(index("b"))),
    {"b"},
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_projects_named_are_those_where_a_plan_may_destroy_or_rename_an_index(name: str) -> None:
    desired, live, expected = CASES[name]

    assert projects_with_data_impact(desired, live) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_projects_named_are_exactly_those_whose_data_impact_the_plan_reads(name: str) -> None:
    desired, live, expected = CASES[name]

    read = {str(address.project) for address in data_impact_targets(plan(desired, live, SETTINGS), live)}

    assert read == expected


def test_a_project_rename_keeps_the_key_under_either_name() -> None:
    renamed = dataclasses.replace(project("new"), directives=Directives(renamed_from="old"))
    desired = desired_state(renamed, index("new"))
    possible = data_impact_possible(desired)

    assert possible("old", [owned(index("old"))])
    assert possible("new", [owned(index("new"))])
