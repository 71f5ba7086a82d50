"""Safety invariants over generated estates, each checked against an oracle written from DESIGN §2-§3.

Each property kills a whole family of engine mistakes at once: whatever the estate, the settings and
the overrides, no unblocked plan deletes more than the allowed share of what declarate owns, creates
a pod index, hands an API key a forbidden role, or deletes a protected or unowned object; and a tag
declared in config never widens what declarate owns. The oracles below re-derive ownership from the
rules as DESIGN states them; they do not call the engine's own ownership functions.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.engine import plan
from declarate.model.address import Kind
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.model.settings import Overrides, Safety, Settings
from declarate.model.state import State, scope_of

from .builders import index
from .examples import MUTATION, examples
from .test_contract_properties import INDEXES, PROJECTS, overrides, policies, workspace
from .test_properties import Case, situation

# Strict thresholds and no --allow-mass-delete: the mass-deletion rules decide as often as possible.
strict_workspace = st.builds(
    Settings,
    safety=st.builds(
        Safety,
        max_delete_fraction=st.sampled_from([0.0, 0.3, 0.5]),
        min_existing=st.integers(0, 2),
        delete_all_min_existing=st.integers(0, 2),
    ),
    policies=policies,
)
strict_overrides = st.builds(
    Overrides,
    allow_replace=st.sets(
        st.sampled_from([f"project/{p}/index/{i}" for p in PROJECTS for i in INDEXES]), max_size=3
    ).map(frozenset),
    only=st.sampled_from([(), (), ("project/a",), ("project/b", "organization")]),
)

POD = {"deployment_type": "pod", "environment": "us-east1-gcp", "pod_type": "p1.x1"}
TAG_KEY, TAG_VALUE = "managed-by", "declarate"


def owned_by_tag(resource: Resource) -> bool:
    """DESIGN §2: an index is declarate's exactly when it carries managed-by=declarate."""
    return (resource.attrs.get("tags") or {}).get(TAG_KEY) == TAG_VALUE


def oracle_owns(resource: Resource, desired: State) -> bool:
    """Whether declarate may delete this live object at all (DESIGN §2), computed from first principles."""
    scope = scope_of(resource.address)
    directives = desired.directives_for(scope)
    if resource.kind is Kind.INDEX:
        return owned_by_tag(resource)
    if resource.kind is Kind.API_KEY:
        return directives.prune_api_keys
    if resource.kind is Kind.SERVICE_ACCOUNT:
        return directives.prune_service_accounts
    if resource.kind is Kind.ROLE_BINDING:
        principal = resource.address.role_binding_parts()[:2]
        named = any(
            scope_of(r.address) == scope and r.address.role_binding_parts()[:2] == principal
            for r in desired.of_kind(Kind.ROLE_BINDING)
        )
        return named or directives.prune_role_bindings
    return False  # projects are never counted


def is_role_change(change: Change, changes: tuple[Change, ...]) -> bool:
    """The delete half of a role change: a binding created for the same principal in the same scope."""
    if change.kind is not Kind.ROLE_BINDING:
        return False
    principal = change.address.role_binding_parts()[:2]
    return any(
        c.kind is Kind.ROLE_BINDING
        and c.action is Action.CREATE
        and scope_of(c.address) == scope_of(change.address)
        and c.address.role_binding_parts()[:2] == principal
        for c in changes
    )


@st.composite
def declared_variants(draw: st.DrawFn) -> Case:
    """A generated situation whose declared indexes are sometimes pods or declare the ownership tag."""
    case = draw(situation())
    resources = []
    for r in case.desired_resources:
        if r.kind is Kind.INDEX:
            tags = dict(r.attrs.get("tags") or {})
            if draw(st.booleans()):
                tags[TAG_KEY] = draw(st.sampled_from(["other", "", TAG_VALUE]))
            deployment = POD if draw(st.integers(0, 3)) == 0 else None
            r = index(
                r.address.project or "",
                r.address.name,
                tags=tags,
                protection=r.attrs["deletion_protection"],
                deployment=deployment,
            )
        resources.append(r)
    live = [
        dataclasses.replace(r, attrs={**r.attrs, "tags": {**r.attrs["tags"], TAG_KEY: "other"}})
        if r.kind is Kind.INDEX and draw(st.integers(0, 3)) == 0
        else r
        for r in case.live_resources
    ]
    return dataclasses.replace(case, desired_resources=resources, live_resources=live)


@given(declared_variants(), strict_workspace, strict_overrides)
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_no_unblocked_delete_exceeds_the_share_of_what_declarate_owns(
    case: Case, chosen: Settings, given_overrides: Overrides
) -> None:
    desired, live = case.states()
    result = plan(desired, live, chosen, given_overrides)

    owned = Counter(
        (scope_of(r.address), r.kind)
        for r in live
        if r.address not in live.protected and r.kind is not Kind.PROJECT and oracle_owns(r, desired)
    )
    # The deletes the rule governs: explicit requests (`ensure: absent`) and the delete half of a role
    # change are exempt. Only an unblocked one of these can break the rule: an exempt delete going
    # through beside a blocked governed one is the rule working, not failing.
    governed = [
        c
        for c in result.changes
        if c.action is Action.DELETE
        and c.kind is not Kind.PROJECT
        and not desired.directives_for(scope_of(c.address)).ensure_absent
        and c.address not in desired.absent
        and not is_role_change(c, result.changes)
    ]
    counted = Counter((scope_of(c.address), c.kind) for c in governed)
    unblocked = Counter((scope_of(c.address), c.kind) for c in governed if not c.blocks)
    safety = chosen.safety
    for key, deleted in counted.items():
        if not unblocked[key]:
            continue
        total = owned[key]
        assert deleted <= total, f"{key}: deletes {deleted} of {total} owned objects"
        if total >= safety.min_existing:
            assert deleted / total <= safety.max_delete_fraction, (key, deleted, total, result.changes)
        if safety.delete_all_min_existing and total >= safety.delete_all_min_existing:
            assert deleted < total, f"{key}: deletes all {total}"


@given(declared_variants(), workspace, overrides)
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_no_unblocked_change_creates_a_pod_or_grants_a_forbidden_role(
    case: Case, chosen: Settings, given_overrides: Overrides
) -> None:
    desired, live = case.states()
    forbidden = set(chosen.policies.forbid_roles)

    for change in plan(desired, live, chosen, given_overrides).changes:
        if change.blocks:
            continue
        after = change.after or {}
        if change.kind is Kind.INDEX and change.action in (Action.CREATE, Action.REPLACE):
            assert (after.get("deployment") or {}).get("deployment_type") != "pod", change.address
        if change.kind is Kind.API_KEY and change.action in (Action.CREATE, Action.UPDATE):
            assert not forbidden & set(after["roles"]), change.address


@given(declared_variants(), workspace, overrides)
@settings(max_examples=examples(100), deadline=None, derandomize=MUTATION)
def test_a_declared_tag_never_widens_ownership_and_protected_objects_are_never_deleted(
    case: Case, chosen: Settings, given_overrides: Overrides
) -> None:
    desired, live = case.states()

    for change in plan(desired, live, chosen, given_overrides).changes:
        assert change.address not in live.protected
        if change.kind is not Kind.INDEX:
            continue
        found = live.get(change.address)
        if change.action in (Action.DELETE, Action.REPLACE):
            # Only what carries the ownership tag live is ever deleted, whatever the config declares.
            assert found is not None and owned_by_tag(found), change.address
        if change.action is Action.UPDATE:
            assert found is not None and owned_by_tag(found), change.address
        if change.after is not None:
            # The ownership tag declarate writes always wins over a tag of the same name in config.
            assert change.after["tags"][TAG_KEY] == TAG_VALUE, change.address
