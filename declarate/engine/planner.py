"""The planner: desired state, live state, settings and overrides in; the Plan out.

`plan()` is the pure engine's entry point (DESIGN §2-§3): it diffs every declared resource against
its live counterpart, decides the fate of every undeclared live object through `ownership`, keeps the
`--only` selection, lets `safety` block what may not run and `order` sequence the rest. It performs
no I/O, prints nothing and is deterministic: the same inputs give an identical Plan.

`--only PREFIX` works like `terraform -target` without its dependency expansion: changes outside the
selection are left out even when a selected change needs them (a selected index in a project that is
yet to be created does not bring the project's create along); `depends_on` then names only the
selected changes, and the mass-deletion rule counts only the selected deletes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from declarate.engine.diff import apply_ignore_changes, create_fields, diff_attrs, field_diff, thaw
from declarate.engine.order import order_changes
from declarate.engine.ownership import (
    Fate,
    authoritative_principals,
    is_absent_scope,
    is_owned,
    tag_text,
    tagged_view,
    undeclared_verdict,
    with_ownership_tag,
)
from declarate.engine.renames import (
    create_reason,
    old_address,
    rehome,
    rename_change,
    rename_sources,
    resumes_rename,
)
from declarate.engine.safety import block_changes
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.kinds import KINDS, Mutability
from declarate.model.lazy import LazyMapping
from declarate.model.plan import (
    Action,
    Change,
    DataImpact,
    FieldDiff,
    Note,
    Plan,
    Unmanaged,
)
from declarate.model.resource import Resource
from declarate.model.settings import Overrides, Settings
from declarate.model.state import State, scope_of

NO_OVERRIDES = Overrides()

CREATE_REASON = "declared in config, not found live"


NOT_READ = "its record count was not read"
DESTRUCTIVE = (Action.DELETE, Action.REPLACE)
# Index changes whose plan shows the records they touch: deletes and replaces destroy them, a rename
# carries them into the new index (DESIGN §9.1).
WITH_IMPACT = (*DESTRUCTIVE, Action.RENAME)


def plan(
    desired: State,
    live: State,
    settings: Settings,
    overrides: Overrides = NO_OVERRIDES,
    impacts: Mapping[Address, DataImpact] | None = None,
) -> Plan:
    """The plan that makes live state match desired state, with every block and unmanaged object.

    `impacts` are the data impacts read for the plan's index deletes, replaces and renames (see
    `data_impact_targets`), by the live index read: each such change carries its own, and one missing
    from the mapping is unknown, so the data-loss rule blocks a delete or replace. None plans without
    data impacts at all: the first pass of a caller that has yet to learn which indexes to read.
    """
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    authoritative = authoritative_principals(desired)
    live = rehome(desired, live)
    renamed = rename_sources(desired)
    recreated: set[Address] = set()  # indexes this plan deletes and creates again: their schedules go
    declared = _by_address(desired)
    for resource in declared:
        if resource.address in live.protected or is_absent_scope(desired, scope_of(resource.address)):
            continue  # declarate's own objects are never touched; an absent scope is only deleted
        if resource.kind is Kind.BACKUP_SCHEDULE:
            continue  # after every index: a recreated index has none of its live schedules
        change = declared_change(resource, live.get(resource.address), settings, live)
        if change is not None:
            changes.append(change)
            if change.kind is Kind.INDEX and change.action in (Action.REPLACE, Action.RENAME):
                recreated.add(change.address)
    for resource in declared:
        if resource.kind is not Kind.BACKUP_SCHEDULE or is_absent_scope(desired, scope_of(resource.address)):
            continue
        was = None if resource.address.parent_index in recreated else live.get(resource.address)
        change = declared_change(resource, was, settings, live)
        if change is not None:
            changes.append(change)
    for resource in _by_address(live):
        address = resource.address
        if address in live.protected:
            continue
        if address.kind is Kind.BACKUP_SCHEDULE and address.parent_index in recreated:
            continue  # it goes with the index being recreated
        if address in renamed and address not in desired:
            continue  # a rename's old object: the rename change speaks for it (and never deletes it)
        if address in desired and not is_absent_scope(desired, scope_of(address)):
            continue
        verdict = undeclared_verdict(resource, desired, live, settings, authoritative)
        if verdict.fate is Fate.DELETE:
            changes.append(Change(address, Action.DELETE, reason=verdict.reason, before=thaw(resource.attrs)))
        elif verdict.fate is Fate.UNMANAGE:
            changes.append(unmanage_change(resource, desired, settings, verdict.reason))
        elif verdict.fate is Fate.UNMANAGED:
            unmanaged.append(Unmanaged(address, verdict.reason))
    notes = list(nothing_to_let_go(desired, live))
    left_out = 0
    if overrides.only:
        selected = [c for c in changes if _selected(c.address, overrides.only)]
        left_out = len(changes) - len(selected)
        changes = selected
        unmanaged = [u for u in unmanaged if _selected(u.address, overrides.only)]
        notes = [n for n in notes if _selected(n.address, overrides.only)]
    if impacts is not None:
        changes = [_with_impact(c, impacts) for c in changes]
    blocked = block_changes(changes, desired, live, settings, overrides)
    return Plan(
        changes=order_changes(blocked),
        unmanaged=tuple(unmanaged),
        notes=tuple(notes),
        left_out=left_out,
        fingerprints=LazyMapping(lambda: live_fingerprints(desired, live)),
    )


def data_impact_targets(draft: Plan, live: State | None = None) -> list[Address]:
    """The live indexes whose stats a plan reads, one per index delete, replace or rename, none else.

    A delete or replace reads the index it destroys; a rename reads the index it starts from: the
    old one, or (given `live`, when a killed rename left only the new one) the new one.
    """
    return [impact_source(c, live) for c in draft.changes if c.kind is Kind.INDEX and c.action in WITH_IMPACT]


def impact_source(change: Change, live: State | None = None) -> Address:
    """The live index whose records `change` touches (see `data_impact_targets`)."""
    old = change.renamed_from
    if change.action is not Action.RENAME or old is None or (live is not None and old not in live):
        return change.address
    return old


def _with_impact(change: Change, impacts: Mapping[Address, DataImpact]) -> Change:
    if change.kind is not Kind.INDEX or change.action not in WITH_IMPACT:
        return change
    impact = impacts.get(change.address)
    if change.renamed_from is not None:  # a rename reads its old index, unless only the new one is left
        impact = impacts.get(change.renamed_from) or impact
    return dataclasses.replace(change, data_impact=impact or DataImpact.unreadable(NOT_READ))


def declared_change(
    desired: Resource, live: Resource | None, settings: Settings, live_state: State | None = None
) -> Change | None:
    """The change that brings one declared resource to its desired attrs, or None when it matches.

    With `live_state`, a declaration renamed from a live object becomes a rename (renames.py).
    """
    kind = desired.kind
    taggable = KINDS[kind].taggable
    old = old_address(desired)
    live_old = None
    if live_state is not None and old is not None and old not in live_state.protected:
        live_old = live_state.get(old)
    if live_old is not None or resumes_rename(live, old):
        # Both names live is a rename too: the safety rules block it and say why, unless the new
        # index is one a rename made and did not finish (a killed run): then the rename resumes.
        after = with_ownership_tag(desired.attrs, settings) if taggable else thaw(desired.attrs)
        start = live_old if live_old is not None else live
        assert start is not None and old is not None
        return rename_change(desired, after, start, old)
    if live is None:
        after = with_ownership_tag(desired.attrs, settings) if taggable else thaw(desired.attrs)
        return Change(
            desired.address,
            Action.CREATE,
            fields=create_fields(kind, after, desired.origin_of, desired),
            source=desired.origin,
            reason=CREATE_REASON if old is None else create_reason(desired),
            after=after,
        )
    # Compared as shared, read-only data: most declared objects match live, and copying both sides
    # of every one (5,000 indexes) cost more than the diff. Only a change gets a copy of its own.
    ignored = desired.directives.ignore_changes
    effective = apply_ignore_changes(desired.attrs, live.attrs, ignored) if ignored else desired.attrs
    if taggable:
        effective = tagged_view(effective, settings)
    fields = tuple(
        _explain_ownership_tag(f, settings)
        for f in diff_attrs(kind, live.attrs, effective, desired.origin_of, desired)
    )
    adopted = taggable and not is_owned(live, settings)
    if not adopted and not fields:
        return None
    after = thaw(effective)
    if adopted:
        action = Action.ADOPT
        reason = (
            f"declared in config and found live without the ownership tag {tag_text(settings)}: "
            "declarate tags it and reconciles it in place"
        )
    elif replaced := [f.display_path for f in fields if f.change_class is Mutability.REPLACE]:
        action = Action.REPLACE
        reason = f"immutable fields differ ({', '.join(replaced)}): it is deleted and created again"
    else:
        action = Action.UPDATE
        reason = f"live differs from config in {', '.join(f.display_path for f in fields)}"
    return Change(
        desired.address,
        action,
        fields=fields,
        source=desired.origin,
        reason=reason,
        before=thaw(live.attrs),
        after=after,
    )


def unmanage_change(live: Resource, desired: State, settings: Settings, reason: str) -> Change:
    """The one in-place tag update that lets go of an owned index: its ownership tag removed, nothing else."""
    key = settings.ownership_tag_key
    before = thaw(live.attrs)
    tags = dict(before.get("tags") or {})
    value = tags.pop(key, None)
    after = {**before, "tags": tags}
    source = desired.unmanaged.get(live.address) or desired.directives_for(scope_of(live.address)).origin
    untag = field_diff(
        live.kind,
        f"tags.{key}",
        value,
        None,
        lambda _: source,
        None,
        "ensure: unmanaged: without the ownership tag declarate never changes or deletes the index",
    )
    return Change(
        live.address, Action.UNMANAGE, (untag,), source=source, reason=reason, before=before, after=after
    )


def nothing_to_let_go(desired: State, live: State) -> Iterable[Note]:
    """A note for each object declared `ensure: unmanaged` or `absent` that is not live: nothing to do.

    Only where live state can tell: a project's existence is always known, an object in a scope
    that was not read whole is unknown, so it gets no note.
    """
    for address, origin in sorted(desired.unmanaged.items(), key=lambda item: str(item[0])):
        if address in live:
            continue
        if address.kind is Kind.PROJECT or scope_of(address) in live.scopes:
            yield Note(address, "declared ensure: unmanaged, and not found live: nothing to unmanage", origin)
    for address, origin in sorted(desired.absent.items(), key=lambda item: str(item[0])):
        if address not in live and scope_of(address) in live.scopes:
            yield Note(address, "declared ensure: absent, and not found live: nothing to delete", origin)


def live_fingerprints(desired: State, live: State) -> dict[str, str]:
    """Fingerprints of the live objects this plan was computed from, for the saved-plan staleness check.

    Those in the declared scopes, plus the live service accounts that declared role bindings refer to
    and the old objects of renames (a project renamed from outside the declared scopes).
    declarate's own objects are left out: its temporary keys change with every run.
    """
    referenced = set(_referenced_service_accounts(desired)) | set(rename_sources(desired))
    return {
        str(r.address): r.fingerprint()
        for r in _by_address(live)
        if r.address not in live.protected
        and (scope_of(r.address) in desired.scopes or r.address in referenced)
    }


def _referenced_service_accounts(desired: State) -> Iterable[Address]:
    for binding in desired.of_kind(Kind.ROLE_BINDING):
        principal_type, principal, _ = binding.address.role_binding_parts()
        if principal_type is PrincipalType.SERVICE_ACCOUNT:
            yield Address.service_account(principal)


def _explain_ownership_tag(field: FieldDiff, settings: Settings) -> FieldDiff:
    if field.path != f"tags.{settings.ownership_tag_key}":
        return field
    return dataclasses.replace(field, reason="the ownership tag marks the index as managed by declarate")


def _selected(address: Address, prefixes: Iterable[str]) -> bool:
    return any(address.matches_prefix(p) for p in prefixes)


def _by_address(state: State) -> list[Resource]:
    return sorted(state, key=lambda r: str(r.address))
