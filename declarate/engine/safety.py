"""Safety: which planned changes may not run, with the rule that blocks each and the exact override.

Every block is computed here, while planning, so the plan shows it before anything runs (DESIGN §3).
A change carries every rule that blocks it (DESIGN §9.1), so a user fixes everything in one round. The
rules run in a fixed priority order, and the blocks keep it: the rules no command-line flag lifts (CMEK,
adopting a mismatched index, pod creation) come first. Pure; it never drops, adds or reorders changes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from declarate.engine.ownership import (
    authoritative_principals,
    is_absent_scope,
    is_owned,
    owns,
    principal_key,
    tag_text,
)
from declarate.engine.rename_rules import RENAME_RULES
from declarate.engine.retention_rules import RETENTION_RULES
from declarate.model import defaults as d
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Block, Change
from declarate.model.settings import Overrides, Settings
from declarate.model.state import State, scope_of

RULE_CMEK_ONE_WAY = "cmek-one-way"
RULE_ADOPT_IMMUTABLE = "adopt-immutable"
RULE_POD_CREATE = "pod-create"
RULE_TAG_LIMIT = "tag-limit"
RULE_REPLACE = "replace"
RULE_DELETION_PROTECTION = "deletion-protection"
RULE_DATA_LOSS = "data-loss"
RULE_UNRESOLVED_REFERENCE = "unresolved-reference"
RULE_PROJECT_NOT_EMPTY = "project-not-empty"
RULE_REQUIRE_DELETION_PROTECTION = "policy:require_deletion_protection"
RULE_FORBID_ROLES = "policy:forbid_roles"
RULE_MAX_INDEXES = "policy:max_indexes_per_project"
RULE_BACKUP_SCHEDULE_SLOT = "backup-schedule-slot"
RULE_MASS_DELETE = "mass-delete"
RULE_DELETE_ALL = "delete-all"


@dataclass(frozen=True)
class SafetyContext:
    """What the rules read besides the change itself, grouped once per plan (no per-change scans)."""

    desired: State
    live: State
    settings: Settings
    overrides: Overrides
    unowned_indexes: Mapping[str, tuple[str, ...]]  # scope -> names of live indexes declarate does not own
    desired_index_count: Mapping[str, int]  # project name -> desired indexes
    mass_deletes: Mapping[Address, tuple[Block, ...]]  # deletes blocked by the mass-deletion rules


Rule = Callable[[Change, SafetyContext], Block | None]


def block_changes(
    changes: Sequence[Change], desired: State, live: State, settings: Settings, overrides: Overrides
) -> tuple[Change, ...]:
    """The same changes, each carrying every rule that blocks it, in rule order (none: it may run)."""
    context = SafetyContext(
        desired=desired,
        live=live,
        settings=settings,
        overrides=overrides,
        unowned_indexes=_unowned_indexes(live, settings),
        desired_index_count=Counter(r.address.project or "" for r in desired.of_kind(Kind.INDEX)),
        mass_deletes=mass_delete_blocks(changes, desired, live, settings, overrides),
    )
    return tuple(dataclasses.replace(c, blocks=all_blocks(c, context)) for c in changes)


def all_blocks(change: Change, context: SafetyContext) -> tuple[Block, ...]:
    """Every rule that blocks one change, hardest first."""
    found = [block for rule in RULES if (block := rule(change, context)) is not None]
    return (*found, *context.mass_deletes.get(change.address, ()))


def _after(change: Change, key: str) -> Any:
    return (change.after or {}).get(key)


def _before(change: Change, key: str) -> Any:
    return (change.before or {}).get(key)


def _fields_of_class(change: Change, mutability: Mutability) -> list[str]:
    # Named as the config wrote them, for the block's message; the class was decided by the diff.
    return [f.display_path for f in change.fields if f.change_class is mutability]


def cmek_one_way(change: Change, context: SafetyContext) -> Block | None:
    paths = _fields_of_class(change, Mutability.ONE_WAY)
    if not paths:
        return None
    return Block(
        RULE_CMEK_ONE_WAY,
        f"{', '.join(paths)} is on live and the config turns it off: CMEK encryption can be turned on "
        "but never turned off",
        "none: CMEK cannot be turned off; set force_encryption_with_cmek: true",
    )


def adopt_immutable(change: Change, context: SafetyContext) -> Block | None:
    if change.action is not Action.ADOPT:
        return None
    paths = _fields_of_class(change, Mutability.REPLACE)
    if not paths:
        return None
    tag = tag_text(context.settings)
    return Block(
        RULE_ADOPT_IMMUTABLE,
        f"immutable fields differ from the live index ({', '.join(paths)}), and declarate never recreates "
        "an index it does not own",
        f"tag the index `{tag}` by hand to let declarate own (and replace) it, or change the config to "
        "match the live index",
    )


def pod_create(change: Change, context: SafetyContext) -> Block | None:
    if change.kind is not Kind.INDEX or change.action not in (Action.CREATE, Action.REPLACE):
        return None
    if (_after(change, "deployment") or {}).get("deployment_type") != "pod":
        return None
    return Block(
        RULE_POD_CREATE,
        "pod indexes cannot be created with API 2026-07",
        "none: create it as serverless, or create the pod index by hand and declare it",
    )


def tag_limit(change: Change, context: SafetyContext) -> Block | None:
    """Pinecone refuses a 21st tag; the ownership tag declarate adds counts like any other, and so
    does the marker an index rename puts on the new index until the rename is done."""
    if change.kind is not Kind.INDEX or change.after is None:
        return None
    tags = _after(change, "tags") or {}
    marked = change.action is Action.RENAME and d.RENAME_MARKER_TAG not in tags
    count = len(tags) + marked
    if count <= d.MAX_TAGS:
        return None
    if marked:
        return Block(
            RULE_TAG_LIMIT,
            f"the renamed index would carry {count} tags while the rename runs: declarate's ownership tag "
            f"{tag_text(context.settings)} and the rename's marker {d.RENAME_MARKER_TAG} count too; "
            f"Pinecone allows at most {d.MAX_TAGS}",
            f"none: declare at most {d.MAX_TAGS - 2} tags of your own on an index being renamed, and add "
            "the others once the rename is applied",
        )
    return Block(
        RULE_TAG_LIMIT,
        f"the index would carry {count} tags, including declarate's ownership tag "
        f"{tag_text(context.settings)}; Pinecone allows at most {d.MAX_TAGS}",
        f"none: declare at most {d.MAX_TAGS - 1} tags of your own on this index",
    )


def backup_schedule_slot(change: Change, context: SafetyContext) -> Block | None:
    """A disabled schedule cannot be created beside an enabled one that stays enabled.

    The API creates every schedule enabled and refuses (409) a second enabled schedule on an index;
    the plan frees the slot first when the config disables or removes the other schedule, so only
    a schedule that stays enabled is in the way.
    """
    if change.kind is not Kind.BACKUP_SCHEDULE or change.action is not Action.CREATE:
        return None
    if _after(change, "enabled") is not False:
        return None
    index = change.address.parent_index
    for other in context.live.of_kind(Kind.BACKUP_SCHEDULE):
        if other.address.parent_index != index or not other.attrs.get("enabled"):
            continue
        declared = context.desired.get(other.address)
        if declared is not None and declared.attrs.get("enabled"):
            return Block(
                RULE_BACKUP_SCHEDULE_SLOT,
                f"the API creates a backup schedule enabled and allows one enabled schedule per index, "
                f"and {other.address.name!r} stays enabled",
                f"none: apply once with {other.address.name!r} set to enabled: false, then enable it "
                "again (re-enabling takes a backup at once)",
            )
    return None


def replace(change: Change, context: SafetyContext) -> Block | None:
    if change.action is not Action.REPLACE:
        return None
    desired = context.desired.get(change.address)
    if str(change.address) in context.overrides.allow_replace or (
        desired is not None and desired.directives.allow_replace
    ):
        return None
    paths = ", ".join(_fields_of_class(change, Mutability.REPLACE))
    loss = (
        "replacing the index deletes all its vectors" if change.kind is Kind.INDEX else "it is deleted first"
    )
    return Block(
        RULE_REPLACE,
        f"immutable fields change ({paths}): {loss}",
        f"--allow-replace {change.address} or allow_replace: true",
    )


def deletion_protection(change: Change, context: SafetyContext) -> Block | None:
    if change.kind is not Kind.INDEX or change.action not in (Action.DELETE, Action.REPLACE):
        return None
    if _before(change, "deletion_protection") != "enabled":
        return None
    if change.action is Action.DELETE:
        return Block(
            RULE_DELETION_PROTECTION,
            "deletion protection is enabled on the live index",
            "set deletion_protection: disabled and apply, then delete",
        )
    # The desired config may keep protection on: Pinecone still refuses to delete the live index (403).
    return Block(
        RULE_DELETION_PROTECTION,
        "deletion protection is enabled on the live index, which a replace must delete",
        "set deletion_protection: disabled and apply without the immutable change, then replace",
    )


def data_loss(change: Change, context: SafetyContext) -> Block | None:
    """Deleting or replacing an index that holds records, or whose count is unknown (DESIGN §9.1).

    Lifted by `--allow-delete ADDRESS`, or, for a delete, by the declaration saying so: the index
    or its project declares `ensure: absent`. An index known to be empty deletes freely. A change that
    carries no data impact was planned without reading the data plane, which only pure callers do:
    the workflow always reads it for every index delete and replace.
    """
    if change.kind is not Kind.INDEX or change.action not in (Action.DELETE, Action.REPLACE):
        return None
    impact = change.data_impact
    if impact is None or not impact.holds_data:
        return None
    if str(change.address) in context.overrides.allow_delete:
        return None
    deleting = change.action is Action.DELETE
    if deleting and (
        change.address in context.desired.absent or is_absent_scope(context.desired, scope_of(change.address))
    ):
        return None
    verb = "deleting" if deleting else "replacing"
    if impact.records is None:
        message = f"the index's record count could not be read ({impact.unknown}): {verb} it may destroy data"
    else:
        message = f"the index holds {impact.counts_text()}: {verb} it destroys them"
    override = f"--allow-delete {change.address}"
    if deleting:
        override += ", or declare the index (or its project) with ensure: absent"
    return Block(RULE_DATA_LOSS, message, override)


def unresolved_reference(change: Change, context: SafetyContext) -> Block | None:
    if change.kind is not Kind.ROLE_BINDING or change.action is not Action.CREATE:
        return None
    principal_type, principal, _ = change.address.role_binding_parts()
    if principal_type is not PrincipalType.SERVICE_ACCOUNT:
        return None
    account = Address.service_account(principal)
    if account in context.desired or account in context.live:
        return None
    return Block(
        RULE_UNRESOLVED_REFERENCE,
        f"service account {principal} is declared nowhere and does not exist live",
        "declare it under service_accounts in the Organization document, or fix the name",
    )


def project_not_empty(change: Change, context: SafetyContext) -> Block | None:
    if change.kind is not Kind.PROJECT or change.action is not Action.DELETE:
        return None
    remaining = context.unowned_indexes.get(scope_of(change.address), ())
    if not remaining:
        return None
    tag = tag_text(context.settings)
    return Block(
        RULE_PROJECT_NOT_EMPTY,
        f"the project still holds indexes declarate does not own: {', '.join(remaining)}",
        f"delete them by hand, or tag them `{tag}` so that declarate deletes them",
    )


def require_deletion_protection(change: Change, context: SafetyContext) -> Block | None:
    wanted = context.settings.policies.require_deletion_protection
    # A delete leaves no index to protect; an unmanaged index is no longer declarate's to protect.
    if wanted is None or change.kind is not Kind.INDEX or change.action in (Action.DELETE, Action.UNMANAGE):
        return None
    tags = _after(change, "tags") or {}
    policies = context.settings.policies
    if _after(change, "deletion_protection") == "enabled" or not policies.requires_deletion_protection(tags):
        return None
    which = (
        "every index" if not wanted else "indexes tagged " + ", ".join(f"{k}={v}" for k, v in wanted.items())
    )
    return Block(
        RULE_REQUIRE_DELETION_PROTECTION,
        f"policy require_deletion_protection: {which} must set deletion_protection: enabled",
        "set deletion_protection: enabled on the index",
    )


def forbid_roles(change: Change, context: SafetyContext) -> Block | None:
    forbidden = set(context.settings.policies.forbid_roles)
    if (
        not forbidden
        or change.kind is not Kind.API_KEY
        or change.action not in (Action.CREATE, Action.UPDATE, Action.RENAME)  # a key renamed in place
    ):
        return None
    held = context.settings.policies.forbidden_roles_in(_after(change, "roles") or ())
    if not held:
        return None
    return Block(
        RULE_FORBID_ROLES,
        f"policy forbid_roles: API keys may not hold {', '.join(held)}",
        f"remove {', '.join(held)} from the key's roles",
    )


def max_indexes_per_project(change: Change, context: SafetyContext) -> Block | None:
    limit = context.settings.policies.max_indexes_per_project
    if limit is None or change.kind is not Kind.INDEX or change.action is not Action.CREATE:
        return None
    count = context.desired_index_count.get(change.address.project or "", 0)
    if count <= limit:
        return None
    return Block(
        RULE_MAX_INDEXES,
        f"policy max_indexes_per_project: project/{change.address.project} declares {count} indexes, "
        f"more than the limit of {limit}",
        f"declare at most {limit} indexes in the project, or raise policies.max_indexes_per_project",
    )


RULES: tuple[Rule, ...] = (
    cmek_one_way,
    adopt_immutable,
    pod_create,
    tag_limit,
    *RENAME_RULES,
    backup_schedule_slot,
    replace,
    deletion_protection,
    data_loss,
    *RETENTION_RULES,
    unresolved_reference,
    project_not_empty,
    require_deletion_protection,
    forbid_roles,
    max_indexes_per_project,
)  # then the mass-deletion rules, which look at all deletes of a kind at once (mass_delete_blocks)


def mass_delete_blocks(
    changes: Sequence[Change], desired: State, live: State, settings: Settings, overrides: Overrides
) -> dict[Address, tuple[Block, ...]]:
    """Deletes blocked because they remove too much of what declarate owns of a kind in a scope.

    Counted per (scope, kind) over the live objects declarate owns there (never unowned, unmanaged or
    protected ones, which it cannot delete). Two rules, both lifted by `--allow-mass-delete`:
    `mass-delete` when the kind has at least `safety.min_existing` owned objects and the plan deletes
    more than `safety.max_delete_fraction` of them; `delete-all` when the plan deletes every owned
    object of the kind and there are at least `safety.delete_all_min_existing`. A scope with
    `ensure: absent`, and an index declared `ensure: absent`, are explicit requests and are exempt; so is the delete half of a role change (a
    binding created for the same principal in the same scope), which moves access rather than
    removing it.
    """
    if overrides.allow_mass_delete:
        return {}
    role_changes = {
        principal_key(c.address) for c in changes if c.kind is Kind.ROLE_BINDING and c.action is Action.CREATE
    }
    deletes: defaultdict[tuple[str, Kind], list[Address]] = defaultdict(list)
    for change in changes:
        if change.action is not Action.DELETE or change.kind is Kind.PROJECT:
            continue
        if change.kind is Kind.ROLE_BINDING and principal_key(change.address) in role_changes:
            continue
        scope = scope_of(change.address)
        if not is_absent_scope(desired, scope) and change.address not in desired.absent:
            deletes[(scope, change.kind)].append(change.address)
    if not deletes:  # owned objects are counted only where something is deleted (5,000 indexes: 30 ms)
        return {}
    authoritative = authoritative_principals(desired)
    owned: Counter[tuple[str, Kind]] = Counter(
        key
        for r in live
        if (key := (scope_of(r.address), r.kind)) in deletes
        and r.address not in live.protected
        and r.kind is not Kind.PROJECT
        and owns(r, desired, settings, authoritative)
    )
    safety = settings.safety
    blocks: dict[Address, tuple[Block, ...]] = {}
    for (scope, kind), addresses in sorted(deletes.items()):
        total = max(owned[(scope, kind)], len(addresses))
        found: list[Block] = []
        share = len(addresses) / total
        if total >= safety.min_existing and share > safety.max_delete_fraction:
            found.append(
                Block(
                    RULE_MASS_DELETE,
                    f"this plan deletes {len(addresses)} of the {total} {_plural(kind)} declarate owns in "
                    f"{scope} ({share:.0%}, more than the {safety.max_delete_fraction:.0%} limit)",
                    "--allow-mass-delete",
                )
            )
        if safety.delete_all_min_existing and len(addresses) == total >= safety.delete_all_min_existing:
            found.append(
                Block(
                    RULE_DELETE_ALL,
                    f"this plan deletes all {total} {_plural(kind)} declarate owns in {scope}",
                    "--allow-mass-delete",
                )
            )
        if found:
            blocks.update(dict.fromkeys(addresses, tuple(found)))
    return blocks


def _plural(kind: Kind) -> str:
    return {
        Kind.INDEX: "indexes",
        Kind.API_KEY: "API keys",
        Kind.ROLE_BINDING: "role bindings",
        Kind.SERVICE_ACCOUNT: "service accounts",
        Kind.PROJECT: "projects",
        Kind.BACKUP_SCHEDULE: "backup schedules",
    }[kind]


def _unowned_indexes(live: State, settings: Settings) -> dict[str, tuple[str, ...]]:
    names: defaultdict[str, list[str]] = defaultdict(list)
    for resource in live.of_kind(Kind.INDEX):
        if resource.address not in live.protected and not is_owned(resource, settings):
            names[scope_of(resource.address)].append(resource.address.name)
    return {scope: tuple(sorted(n)) for scope, n in names.items()}
