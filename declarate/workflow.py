"""The command workflows: config + provider -> plan, as async functions the cli runs.

This is where the pure core meets I/O: it reads live state through a Provider and calls the pure
planner (the cli hands the plan to `engine.apply`). It never prints, never parses flags (that is
cli.py) and never words anything: its errors carry data that `render.refusal` turns into text.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from declarate.config.pipeline import LoadedConfig
from declarate.engine.diff import diff_attrs
from declarate.engine.ownership import is_absent_scope
from declarate.engine.planner import data_impact_targets
from declarate.engine.planner import plan as make_plan
from declarate.engine.renames import pending_renames, rehome, rename_sources
from declarate.engine.targeting import unmatched_addresses
from declarate.errors import (
    MovedAttribute,
    PlanMismatch,
    PlanStale,
    Staleness,
    StaleObject,
    TargetMismatch,
    UnmatchedTargets,
)
from declarate.model.address import Address, Kind
from declarate.model.kinds import KINDS, Mutability
from declarate.model.plan import Action, DataImpact, Plan
from declarate.model.plan_diff import change_differences
from declarate.model.resource import Resource
from declarate.model.saved_plan import PlanInputs, SavedPlan
from declarate.model.settings import Overrides
from declarate.model.state import State
from declarate.providers.base import Provider, ReadRequest, StillNeeded


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    live: State
    inputs: PlanInputs  # what the plan was computed from, saved with it by `plan --out`


def read_request(desired: State) -> ReadRequest:
    """Read every declared project whole (an `ensure: absent` project too: it may still exist), and
    the old project of each project rename (its contents are compared under the new name), and the
    backup schedules of the indexes whose declaration lists `backup_schedules` (one request each)."""
    declared = {scope.removeprefix("project/") for scope in desired.scopes if scope.startswith("project/")}
    sources = rename_sources(desired)
    renamed = {old.name for old in sources if old.kind is Kind.PROJECT}
    directives = dict(desired.directives)
    old_names: dict[str, str] = {}
    for old, new in sources.items():
        if old.kind is Kind.PROJECT:
            old_names[new.name] = old.name
        if old.kind is Kind.PROJECT and f"project/{old.name}" not in directives:
            # The old project is reached with the same key settings (api_key_env) as the new one.
            directives[f"project/{old.name}"] = desired.directives_for(f"project/{new.name}")
    scheduled = {r.address for r in desired.of_kind(Kind.INDEX) if r.directives.backup_schedules}
    # An index of a project still to be renamed is read under the project's old name.
    scheduled |= {
        Address.index(old_names[str(a.project)], a.name) for a in scheduled if str(a.project) in old_names
    }
    return ReadRequest(
        projects=sorted(declared | renamed), directives=directives, backup_schedules=frozenset(scheduled)
    )


async def read_live(provider: Provider, desired: State, *, planning_only: bool = False) -> State:
    """Live state for `desired`, with the contents of a project still to be renamed under its new name.

    `planning_only`: nothing follows but a plan (with its data-impact reads), so each project
    where the plan cannot read a data impact is let go of as soon as it is read.
    """
    request = read_request(desired)
    if planning_only:
        return rehome(desired, await provider.read(request, still_needed=data_impact_possible(desired)))
    return rehome(desired, await provider.read(request))


async def compute_plan(
    config: LoadedConfig, provider: Provider, overrides: Overrides, *, read_only: bool = False
) -> PlanOutcome:
    """Read live state for the config's scopes and plan; the plan records what it was made from.

    `read_only`: nothing but the plan's own data-impact reads follows (plan, drift), so the
    temporary key of each project the plan cannot read from goes as soon as the project is read.
    Raises UnmatchedTargets when an override names nothing declared or live (a typo would otherwise
    silently do nothing).
    """
    live = await read_live(provider, config.desired, planning_only=read_only)
    unmatched = unmatched_addresses(overrides, config.desired, live)
    if unmatched:
        raise UnmatchedTargets(unmatched)
    inputs = PlanInputs(config.desired, config.settings, overrides)
    planned = await _planned(inputs, live, provider, config.digest, read_only=read_only)
    return PlanOutcome(planned, live, inputs)


async def _planned(
    inputs: PlanInputs, live: State, provider: Provider, digest: str | None, *, read_only: bool = False
) -> Plan:
    """The plan, with the data impact of every index delete, replace and rename read from the data plane.

    A first pass finds which indexes the plan destroys or renames; only those are read (one request
    each, none when there are none), and the plan is made again with what they hold, for the
    data-loss rule and for the rename's own line.
    """
    desired = inputs.desired
    if read_only:
        # The deletes of the keys let go of during the read may still be under way: the plan is
        # computed in a worker thread, so that the event loop goes on sending them (the planner is
        # pure: it shares nothing with the loop), instead of one round trip or two after the plan.
        planned = await asyncio.to_thread(make_plan, desired, live, inputs.settings, inputs.overrides)
    else:
        planned = make_plan(desired, live, inputs.settings, inputs.overrides)
    targets = [index for address in data_impact_targets(planned, live) if (index := live.get(address))]
    if targets:
        impacts = await _read_impacts(provider, desired, live, targets)
        planned = make_plan(desired, live, inputs.settings, inputs.overrides, impacts)
    return dataclasses.replace(
        planned,
        config_digest=digest,
        target=provider.target,
        environment=inputs.settings.environment.name if inputs.settings.environment else None,
        api_key_env={
            scope.removeprefix("project/"): d.api_key_env
            for scope, d in desired.directives.items()
            if d.api_key_env and scope.startswith("project/")
        },
    )


def data_impact_possible(desired: State) -> StillNeeded:
    """Whether a plan of `desired` may read a data impact in a project (by its live name), given the
    live resources read in it: if it holds an index that the plan may delete, replace or rename,
    or takes part in a project rename.

    A quick guess that errs towards yes: an index that is undeclared, in a project declared
    absent, renamed, or different from its declaration under a field that the KINDS table says
    only a replace can change. A project it wrongly says no for costs a new temporary key (two
    requests) if the plan does read from it, never a wrong plan.
    """
    renamed: set[str] = set()
    for old, new in rename_sources(desired).items():
        if old.kind in (Kind.PROJECT, Kind.INDEX):
            renamed |= {str(old.project), str(new.project)}
    absent = {scope for scope in desired.scopes if is_absent_scope(desired, scope)}

    def possible(project: str, live: Sequence[Resource]) -> bool:
        if project in renamed or f"project/{project}" in absent:
            return True
        for index in live:
            if index.kind is not Kind.INDEX:
                continue
            declared = desired.get(index.address)
            if declared is None or [declared.attrs.get(root) for root in _INDEX_REPLACE_ROOTS] != [
                index.attrs.get(root) for root in _INDEX_REPLACE_ROOTS
            ]:
                return True
        return False

    return possible


# The top-level index attributes under which some path is immutable (a difference may be a replace).
_INDEX_REPLACE_ROOTS = tuple(
    sorted(
        {
            rule.pattern.split(".")[0]
            for rule in KINDS[Kind.INDEX].fields
            if rule.mutability is Mutability.REPLACE
        }
    )
)


async def _read_impacts(
    provider: Provider, desired: State, live: State, targets: list[Resource]
) -> dict[Address, DataImpact]:
    """The data impact of each target, by its address in the plan.

    `live` shows a project still to be renamed under its new name (`rehome`), which does not exist
    yet: its indexes are read under the project's live name, or every count there would be unknown.
    """
    live_names = {new: old for old, new in pending_renames(desired, live, Kind.PROJECT).items()}
    read_as = {
        index.address: dataclasses.replace(
            index, address=dataclasses.replace(index.address, project=live_names[str(index.address.project)])
        )
        if str(index.address.project) in live_names
        else index
        for index in targets
    }
    found = await provider.data_impacts(list(read_as.values()))
    return {address: found[read.address] for address, read in read_as.items() if read.address in found}


async def rederive_saved_plan(
    saved: SavedPlan, provider: Provider, as_saved: Callable[[Plan], Mapping[str, Any]]
) -> PlanOutcome:
    """Recompute a saved plan from its own inputs and today's live state; the result, if it may run.

    The saved change list is never executed: it is only compared (DESIGN §9.1). Raises PlanStale when
    an object the plan read changed since (naming what moved), and PlanMismatch when the recomputed
    changes, written as `as_saved` writes a plan file, differ from the file's in any way.
    """
    if saved.plan.target is not None and saved.plan.target != provider.target:
        raise TargetMismatch(saved.plan.target, provider.target)
    live = await read_live(provider, saved.inputs.desired)
    drifted = list(stale_objects(saved.plan, live))
    if drifted:
        raise PlanStale(drifted)
    derived = await _planned(saved.inputs, live, provider, saved.plan.config_digest)
    differences = change_differences(
        saved.document["changes"],
        as_saved(derived)["changes"],
        {str(u.address): u.reason for u in derived.unmanaged},
    )
    if differences:
        raise PlanMismatch(differences)
    return PlanOutcome(derived, live, saved.inputs)


def stale_objects(plan: Plan, live: State) -> Iterator[StaleObject]:
    """Each object whose live fingerprint differs from the one the plan was made from, and how.

    For an object the plan changes, the plan holds its live attrs as they were (`change.before`), so
    the attribute paths that moved since are named; for the others only a fingerprint was kept, so
    they are named without detail. A change of an existing object with no fingerprint means the file
    was edited: it is named too.
    """
    now = {str(r.address): r for r in live}
    # A rename's `before` is the object of its old name, which is what the fingerprints name.
    planned_before = {
        str(c.renamed_from or c.address): c.before for c in plan.changes if c.before is not None
    }
    for address, fingerprint in sorted(plan.fingerprints.items()):
        resource = now.get(address)
        if resource is None:
            yield StaleObject(address, Staleness.DELETED)
        elif resource.fingerprint() != fingerprint:
            yield _changed(address, planned_before.get(address), resource)
    for change in plan.changes:
        address = str(change.address)
        if address in plan.fingerprints or str(change.renamed_from) in plan.fingerprints:
            continue
        if change.action is Action.CREATE and address in now:
            yield StaleObject(address, Staleness.CREATED)
        elif change.action is not Action.CREATE:
            yield StaleObject(address, Staleness.UNFINGERPRINTED)


def _changed(address: str, planned: Mapping[str, Any] | None, resource: Resource) -> StaleObject:
    """A changed object, with the attributes that moved when the plan kept its attrs."""
    if planned is None:
        return StaleObject(address, Staleness.CHANGED)
    moved = diff_attrs(resource.kind, planned, resource.attrs)
    if not moved:  # the fingerprint also covers the server's identity of the object (id, host)
        return StaleObject(address, Staleness.RECREATED)
    return StaleObject(
        address, Staleness.CHANGED, tuple(MovedAttribute(f.path, f.before, f.after) for f in moved)
    )


def coverage(plan: Plan, live: State) -> tuple[int, int]:
    """(managed, all) live objects in the scopes read: what the config accounts for, of all there is."""
    considered = [r for r in live if r.address not in live.protected]
    unmanaged = {u.address for u in plan.unmanaged}
    managed = sum(1 for r in considered if r.address not in unmanaged)
    return managed, len(considered)


async def read_for_export(provider: Provider, projects: list[str]) -> State:
    """Live state of the given projects (every project when none are named), read whole."""
    return await provider.read(
        ReadRequest(
            projects=sorted(projects), directives={}, all_projects=not projects, all_backup_schedules=True
        )
    )
