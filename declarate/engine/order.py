"""Order: the sequence and the dependencies of a plan's changes (DESIGN §3).

Non-delete changes run by ascending dependency level (projects, then service accounts and keys, then
indexes, then role bindings), deletes after them by descending level; ties by address. `depends_on`
names only changes present in the plan, so a `--only` selection never pulls in changes the user did
not select. Pure; it never adds, drops or blocks a change.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping

from declarate.engine.ownership import PrincipalKey, principal_key
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.kinds import KINDS
from declarate.model.plan import Action, Change


def sort_key(change: Change) -> tuple[int, int, str]:
    """Creates and updates first (parents before children), then deletes (children before parents)."""
    level = KINDS[change.kind].level
    if change.action is Action.DELETE:
        return (1, -level, str(change.address))
    return (0, level, str(change.address))


def order_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    """The changes sorted for apply, each with the `depends_on` it needs within this plan."""
    ordered = sorted(changes, key=sort_key)
    planned = {(c.address, c.action): c for c in ordered}
    binding_creates = _binding_creates_by_principal(ordered)
    schedule_slots = _schedule_slots(ordered)
    deletes_by_scope: defaultdict[str, list[Address]] = defaultdict(list)
    binding_deletes_by_account: defaultdict[str, list[Address]] = defaultdict(list)
    for change in ordered:
        if change.action is not Action.DELETE:
            continue
        if change.kind is not Kind.PROJECT and change.address.project is not None:
            deletes_by_scope[change.address.project].append(change.address)
        if change.kind is Kind.ROLE_BINDING:
            principal_type, principal, _ = change.address.role_binding_parts()
            if principal_type is PrincipalType.SERVICE_ACCOUNT:
                binding_deletes_by_account[principal].append(change.address)

    def depends_on(change: Change) -> tuple[Address, ...]:
        address = change.address
        needs: set[Address] = set()
        if change.action is Action.DELETE:
            if change.kind is Kind.PROJECT:
                needs.update(deletes_by_scope.get(address.name, ()))
            elif change.kind is Kind.SERVICE_ACCOUNT:
                needs.update(binding_deletes_by_account.get(address.name, ()))
            elif change.kind is Kind.ROLE_BINDING:
                # A role change: the new binding exists before the old one goes.
                needs.update(binding_creates.get(principal_key(address), ()))
        else:
            if change.kind is Kind.BACKUP_SCHEDULE:
                index = address.parent_index
                if any((index, action) in planned for action in _INDEX_MADE):
                    needs.add(index)
                needs.update(schedule_slots.get(address, ()))
            if change.kind is not Kind.PROJECT and address.project is not None:
                project = Address.project_(address.project)
                if (project, Action.CREATE) in planned or (project, Action.RENAME) in planned:
                    needs.add(project)  # a renamed project's contents are reached by its new name
            if change.kind is Kind.ROLE_BINDING and change.action is Action.CREATE:
                principal_type, principal, _ = address.role_binding_parts()
                account = Address.service_account(principal)
                if principal_type is PrincipalType.SERVICE_ACCOUNT and any(
                    (account, action) in planned for action in (Action.CREATE, Action.RENAME)
                ):
                    needs.add(account)
        needs.discard(address)
        return tuple(sorted(needs, key=str))

    return tuple(dataclasses.replace(c, depends_on=depends_on(c)) for c in ordered)


# The index changes after which it exists as declared: a schedule on it waits for them.
_INDEX_MADE = (Action.CREATE, Action.REPLACE, Action.ADOPT, Action.UPDATE, Action.RENAME)


def _slot_rank(change: Change) -> int:
    """How a schedule change uses the index's one enabled slot (the API answers 409 to a second).

    0: it frees the slot (a delete, or an update that disables); 1: it holds it briefly (a create of a
    disabled schedule: created enabled, then disabled); 2: it keeps it (a create or update that ends
    enabled). Each rank waits for the lower ranks of its index, so a slot is freed before it is taken.
    """
    enabled = (change.after or {}).get("enabled")
    if change.action is Action.DELETE or (change.action is Action.UPDATE and enabled is False):
        return 0
    if change.action is Action.CREATE and enabled is False:
        return 1
    return 2


def _schedule_slots(changes: Iterable[Change]) -> Mapping[Address, list[Address]]:
    """Schedule address -> the schedule changes on the same index it waits for (see `_slot_rank`).

    Creates of disabled schedules each hold the slot for a moment, so they also wait for each other,
    one after another in address order.
    """
    by_index: defaultdict[Address, list[Change]] = defaultdict(list)
    for change in changes:
        if change.kind is Kind.BACKUP_SCHEDULE:
            by_index[change.address.parent_index].append(change)
    waits: defaultdict[Address, list[Address]] = defaultdict(list)
    for same_index in by_index.values():
        for change in same_index:
            rank = _slot_rank(change)
            waits[change.address] = [
                other.address
                for other in same_index
                if _slot_rank(other) < rank
                or (rank == 1 == _slot_rank(other) and other.address < change.address)
            ]
    return waits


def _binding_creates_by_principal(
    changes: Iterable[Change],
) -> Mapping[PrincipalKey, list[Address]]:
    creates: defaultdict[PrincipalKey, list[Address]] = defaultdict(list)
    for change in changes:
        if change.kind is Kind.ROLE_BINDING and change.action is Action.CREATE:
            creates[principal_key(change.address)].append(change.address)
    return creates
