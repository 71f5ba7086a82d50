"""Properties of the plan as a contract: no unblocked change breaks a safety rule or a policy, and
re-deriving a plan from the inputs a saved plan embeds gives the same plan again."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.engine import plan
from declarate.engine.ownership import owns
from declarate.model.address import Kind
from declarate.model.plan import Action, Plan
from declarate.model.saved_plan import PlanInputs, inputs_from_json, inputs_to_json
from declarate.model.settings import Overrides, Policies, Safety, Settings
from declarate.model.state import scope_of

from .examples import MUTATION, examples
from .test_properties import INDEXES, PROJECTS, Case, situation

safeties = st.builds(
    Safety,
    max_delete_fraction=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    min_existing=st.integers(0, 4),
    delete_all_min_existing=st.integers(0, 3),
)
policies = st.builds(
    Policies,
    require_deletion_protection=st.sampled_from([None, {}, {"env": "x"}, {"team": "y"}]),
    forbid_roles=st.sampled_from([(), ("ProjectEditor",), ("DataPlaneViewer", "ProjectEditor")]),
    max_indexes_per_project=st.sampled_from([None, 1, 3]),
)
workspace = st.builds(Settings, safety=safeties, policies=policies)
overrides = st.builds(
    Overrides,
    allow_replace=st.sets(
        st.sampled_from([f"project/{p}/index/{i}" for p in PROJECTS for i in INDEXES]), max_size=3
    ).map(frozenset),
    allow_mass_delete=st.booleans(),
    only=st.sampled_from([(), ("project/a",), ("project/b", "organization")]),
)


@given(situation(), workspace)
@settings(max_examples=examples(150), deadline=None, derandomize=MUTATION)
def test_no_unblocked_delete_removes_more_than_the_allowed_share(case: Case, chosen: Settings) -> None:
    desired, live = case.states()
    result = plan(desired, live, chosen)

    unblocked = Counter(
        (scope_of(c.address), c.kind)
        for c in result.changes
        if c.action is Action.DELETE and not c.blocks and c.kind is not Kind.PROJECT
    )
    role_change_deletes = {  # a role change moves access: it is not counted (see safety)
        (scope_of(c.address), c.kind)
        for c in result.changes
        if c.kind is Kind.ROLE_BINDING and c.action is Action.CREATE
    }
    owned = Counter(
        (scope_of(r.address), r.kind)
        for r in live
        if r.address not in live.protected and owns(r, desired, chosen)
    )
    safety = chosen.safety
    for (scope, kind), deleted in unblocked.items():
        if desired.directives_for(scope).ensure_absent or (scope, kind) in role_change_deletes:
            continue
        total = owned[(scope, kind)]
        assert deleted <= total
        if total >= safety.min_existing:
            assert deleted / total <= safety.max_delete_fraction
        if safety.delete_all_min_existing and total >= safety.delete_all_min_existing:
            assert deleted < total


@given(situation(), workspace, overrides)
@settings(max_examples=examples(150), deadline=None, derandomize=MUTATION)
def test_no_unblocked_change_breaks_a_policy(
    case: Case, chosen: Settings, given_overrides: Overrides
) -> None:
    desired, live = case.states()
    result = plan(desired, live, chosen, given_overrides)
    rules = chosen.policies

    for change in result.changes:
        if change.blocks or change.after is None:
            continue
        after = change.after
        if change.kind is Kind.API_KEY:
            assert not set(rules.forbid_roles) & set(after["roles"])
        if change.kind is Kind.INDEX and rules.require_deletion_protection is not None:
            tags = after.get("tags") or {}
            if all(tags.get(k) == v for k, v in rules.require_deletion_protection.items()):
                assert after["deletion_protection"] == "enabled"
        if change.kind is Kind.INDEX and change.action is Action.CREATE and rules.max_indexes_per_project:
            project = change.address.project
            declared = sum(1 for r in desired.of_kind(Kind.INDEX) if r.address.project == project)
            assert declared <= rules.max_indexes_per_project


@given(situation(), workspace, overrides)
@settings(max_examples=examples(150), deadline=None, derandomize=MUTATION)
def test_re_deriving_a_plan_from_its_embedded_inputs_gives_it_again(
    case: Case, chosen: Settings, given_overrides: Overrides
) -> None:
    desired, live = case.states()
    result = plan(desired, live, chosen, given_overrides)

    saved = json.loads(json.dumps(inputs_to_json(PlanInputs(desired, chosen, given_overrides))))
    inputs = inputs_from_json(saved)
    again = plan(inputs.desired, live, inputs.settings, inputs.overrides)

    assert again == result
    assert again.to_json() == result.to_json()
    assert Plan.from_json(json.loads(json.dumps(result.to_json()))) == result
