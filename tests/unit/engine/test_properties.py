"""Properties of the planner over generated estates: convergence, determinism, safety of deletes, round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.engine import plan
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.plan import Action, Plan
from declarate.model.resource import Resource
from declarate.model.settings import Overrides
from declarate.model.state import ScopeDirectives, State, scope_of

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
from .examples import MUTATION, examples

PROJECTS = ("a", "b", "c")
INDEXES = ("recs", "search", "docs", "logs")
KEYS = ("svc", "ci", "etl")
ACCOUNTS = ("ci", "etl")
USERS = ("alice@example.com", "bob@example.com")
DEDICATED = {"mode": "Dedicated", "dedicated": {"node_type": "b1", "scaling": "Manual"}}

# Strategies are built once: building them inside a composite on every draw dominates the run time.
project_names = st.sets(st.sampled_from(PROJECTS), max_size=3)
index_names = st.sets(st.sampled_from(INDEXES), max_size=4)
key_names = st.sets(st.sampled_from(KEYS), max_size=2)
account_names = st.sets(st.sampled_from(ACCOUNTS), max_size=2)
user_names = st.sets(st.sampled_from(USERS), max_size=2)
max_pods = st.sampled_from([0, 2])
dimensions = st.sampled_from([4, 8])
metrics = st.sampled_from(["cosine", "dotproduct"])
tags = st.dictionaries(
    st.sampled_from(["team", "env", "cost-center"]), st.sampled_from(["x", "y"]), max_size=2
)
protections = st.sampled_from(["enabled", "disabled"])
read_capacities = st.sampled_from([None, DEDICATED])
key_roles = st.sets(st.sampled_from(["ProjectEditor", "DataPlaneViewer"]), min_size=1)
binding_roles = st.sampled_from(["ProjectViewer", "ProjectEditor"])


@st.composite
def estate(draw: st.DrawFn) -> list[Resource]:
    """A small organization: projects with indexes, keys and bindings, service accounts, org bindings."""
    resources: list[Resource] = []
    for name in sorted(draw(project_names)):
        resources.append(project(name, max_pods=draw(max_pods), cmek=draw(st.booleans())))
        for ix in sorted(draw(index_names)):
            resources.append(
                index(
                    name,
                    ix,
                    dimension=draw(dimensions),
                    metric=draw(metrics),
                    tags=draw(tags),
                    protection=draw(protections),
                    read_capacity=draw(read_capacities),
                )
            )
        for key in sorted(draw(key_names)):
            resources.append(api_key(name, key, roles=sorted(draw(key_roles))))
        for account in sorted(draw(account_names)):
            resources.append(binding(name, account, draw(binding_roles)))
    for account in sorted(draw(account_names)):
        resources.append(service_account(account))
    for user in sorted(draw(user_names)):
        resources.append(org_binding(user, "OrgMember", principal_type=PrincipalType.USER))
    return resources


ALL_SCOPES = [*(f"project/{p}" for p in PROJECTS), "organization"]
scope_directives = st.builds(
    ScopeDirectives,
    ensure_absent=st.booleans(),
    prune_api_keys=st.booleans(),
    prune_role_bindings=st.booleans(),
    prune_service_accounts=st.booleans(),
)


@dataclass(frozen=True)
class Case:
    """Independent desired and live estates over the same names, with random directives and reads."""

    desired_resources: list[Resource]
    live_resources: list[Resource]
    directives: dict[str, ScopeDirectives]
    read: set[str]
    protected: set[Address]

    def states(self, *, reverse: bool = False) -> tuple[State, State]:
        """(desired, live), built from the resources in the given order."""
        wanted = self.desired_resources[::-1] if reverse else self.desired_resources
        found = self.live_resources[::-1] if reverse else self.live_resources
        desired = desired_state(*wanted, directives=self.directives)
        return desired, live_state(*found, scopes=self.read, protected=self.protected)


scope_directive_maps = st.dictionaries(st.sampled_from(ALL_SCOPES), scope_directives, max_size=4)
read_scopes = st.sets(st.sampled_from(ALL_SCOPES))
one_in_ten = st.integers(0, 9).map(lambda n: n == 0)


@st.composite
def situation(draw: st.DrawFn) -> Case:
    live_resources = [owned(r) if r.kind is Kind.INDEX and draw(st.booleans()) else r for r in draw(estate())]
    return Case(
        desired_resources=draw(estate()),
        live_resources=live_resources,
        directives=draw(scope_directive_maps),
        read=draw(read_scopes),
        protected={r.address for r in live_resources if draw(one_in_ten)},
    )


def live_copy_of(resources: list[Resource]) -> list[Resource]:
    """What declarate leaves live after applying these resources: indexes carry the ownership tag."""
    return [owned(r) if r.kind is Kind.INDEX else r for r in resources]


@given(estate())
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_planning_config_against_the_live_state_it_produced_is_empty(resources: list[Resource]) -> None:
    desired = desired_state(*resources, scopes={"organization"})
    live = live_state(*live_copy_of(resources), scopes=desired.scopes)

    result = plan(desired, live, SETTINGS)

    assert result.changes == ()
    assert result.unmanaged == ()


@given(situation(), st.sampled_from([(), ("project/a",), ("organization", "service-account")]), st.booleans())
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_plans_are_deterministic_whatever_the_order_of_the_inputs(
    case: Case, only: tuple[str, ...], allow_mass_delete: bool
) -> None:
    overrides = Overrides(only=only, allow_mass_delete=allow_mass_delete)

    first = plan(*case.states(), SETTINGS, overrides)

    assert first == plan(*case.states(reverse=True), SETTINGS, overrides)


@given(situation())
@settings(max_examples=examples(200), deadline=None, derandomize=MUTATION)
def test_creates_are_absent_live_and_deletes_present_and_read_whole(
    case: Case,
) -> None:
    desired, live = case.states()

    result = plan(desired, live, SETTINGS)

    for change in result.changes:
        assert change.address not in live.protected
        if change.action is Action.CREATE:
            assert change.address not in live
        else:
            assert change.address in live
        if change.action is Action.DELETE:
            assert scope_of(change.address) in live.scopes
            assert (
                change.address not in desired
                or desired.directives_for(scope_of(change.address)).ensure_absent
            )
    assert not {u.address for u in result.unmanaged} & live.protected


@given(situation())
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_every_dependency_is_planned_earlier(
    case: Case,
) -> None:
    desired, live = case.states()

    result = plan(desired, live, SETTINGS)

    seen: set[object] = set()
    addresses = [c.address for c in result.changes]
    assert len(addresses) == len(set(addresses))
    for change in result.changes:
        assert set(change.depends_on) <= seen
        seen.add(change.address)


@given(situation())
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_a_plan_round_trips_through_its_json_form(
    case: Case,
) -> None:
    desired, live = case.states()
    result = plan(desired, live, SETTINGS)

    text = json.dumps(result.to_json())

    assert Plan.from_json(json.loads(text)) == result
