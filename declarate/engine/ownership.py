"""Ownership without a state file: what declarate owns live, and what becomes of undeclared objects.

Implements DESIGN §2: declared scopes are managed, indexes are owned through the ownership tag, a
principal named in a scope's role bindings owns every role it holds there (authoritative per
(scope, principal)), keys, other bindings and service accounts only through `prune`, and a scope that
was not read whole is never pruned. An object the config declares `ensure: unmanaged` (itself, or its
project) is let go: an owned index loses its ownership tag, everything else is reported and never
deleted (DESIGN §9.6). Pure decisions over State and Settings; it does not build changes, blocks or order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from declarate.engine.diff import thaw
from declarate.model.address import ORGANIZATION, Address, Kind, PrincipalType
from declarate.model.kinds import KINDS
from declarate.model.resource import Resource
from declarate.model.settings import Settings
from declarate.model.state import ScopeDirectives, State, scope_of


class Fate(StrEnum):
    """What the plan does with a live object that no document declares."""

    DELETE = "delete"
    UNMANAGED = "unmanaged"  # reported, never touched
    LEAVE = "leave"  # neither: it goes with its project (role bindings of a project that is deleted)
    UNMANAGE = "unmanage"  # `ensure: unmanaged` on an owned index: remove the ownership tag, nothing else


@dataclass(frozen=True)
class Verdict:
    fate: Fate
    reason: str


def tag_text(settings: Settings) -> str:
    """`managed-by=declarate`, as users see the ownership tag."""
    return f"{settings.ownership_tag_key}={settings.ownership_tag_value}"


def is_owned(resource: Resource, settings: Settings) -> bool:
    """True when a live taggable object carries the ownership tag with the right value."""
    if not KINDS[resource.kind].taggable:
        return False
    tags = resource.attrs.get("tags") or {}
    return tags.get(settings.ownership_tag_key) == settings.ownership_tag_value


def with_ownership_tag(attrs: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """A copy of desired index attrs whose tags include the ownership tag (sorted, like canonical tags)."""
    result: dict[str, Any] = thaw(tagged_view(attrs, settings))
    return result


def tagged_view(attrs: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """`attrs` with the ownership tag among its tags, sharing every other value with `attrs`: to
    compare, never to change (`with_ownership_tag` is the copy to keep)."""
    tags = {**(attrs.get("tags") or {}), **settings.ownership_tag}
    return {**attrs, "tags": {k: tags[k] for k in sorted(tags)}}


def is_absent_scope(desired: State, scope: str) -> bool:
    """True when the config says `ensure: absent` for this project scope (the organization cannot be absent)."""
    return scope != ORGANIZATION and scope in desired.scopes and desired.directives_for(scope).ensure_absent


def is_unmanaged(address: Address, desired: State) -> bool:
    """True when the config declares `ensure: unmanaged` on this object or on the project holding it."""
    scope = scope_of(address)
    return address in desired.unmanaged or (
        scope != ORGANIZATION and scope in desired.scopes and desired.directives_for(scope).unmanaged
    )


# The `prune:` setting that deletes undeclared objects of each tagless kind (ScopeDirectives.prune_<name>).
PRUNE_SETTINGS: Mapping[Kind, str] = {
    Kind.API_KEY: "api_keys",
    Kind.ROLE_BINDING: "role_bindings",
    Kind.SERVICE_ACCOUNT: "service_accounts",
}


def prunes(directives: ScopeDirectives, kind: Kind) -> bool:
    """Whether the scope's `prune:` deletes undeclared objects of this (tagless) kind."""
    setting = PRUNE_SETTINGS.get(kind)
    return setting is not None and bool(getattr(directives, f"prune_{setting}"))


# A role binding's scope and principal without its role: (scope, principal type, principal).
PrincipalKey = tuple[str, PrincipalType, str]


def principal_key(address: Address) -> PrincipalKey:
    """Who a role binding grants to, and where: two bindings sharing it differ only by role."""
    principal_type, principal, _ = address.role_binding_parts()
    return scope_of(address), principal_type, principal


def authoritative_principals(desired: State) -> frozenset[PrincipalKey]:
    """The (scope, principal) pairs the config names in role bindings: declarate owns all their roles."""
    return frozenset(principal_key(r.address) for r in desired.of_kind(Kind.ROLE_BINDING))


def undeclared_verdict(
    resource: Resource,
    desired: State,
    live: State,
    settings: Settings,
    authoritative: frozenset[PrincipalKey] | None = None,
) -> Verdict:
    """Delete, report or leave one live, unprotected object that the config does not declare.

    In a scope with `ensure: absent` it is called for every live object of the scope, declared or not.
    `authoritative` is `authoritative_principals(desired)`, computed once per plan by the caller.
    """
    scope = scope_of(resource.address)
    kind = resource.kind
    if is_unmanaged(resource.address, desired):
        return _unmanaged_verdict(resource, desired, settings, authoritative)
    if scope not in desired.scopes:
        if kind is Kind.PROJECT:
            return Verdict(
                Fate.UNMANAGED, "project not declared in config: declarate does not read or change it"
            )
        if scope == ORGANIZATION:
            return Verdict(
                Fate.UNMANAGED,
                "the config has no Organization document: organization objects are not managed",
            )
        return Verdict(Fate.UNMANAGED, f"{scope} is not declared in config")
    if scope not in live.scopes:
        return Verdict(
            Fate.UNMANAGED,
            f"{scope} was not read whole: declarate never deletes what it could not see entirely",
        )
    if is_absent_scope(desired, scope):
        return _absent_scope_verdict(resource, settings)
    if kind is Kind.BACKUP_SCHEDULE:
        return _backup_schedule_verdict(resource, desired)
    if resource.address in desired.absent:
        declared = f"declared ensure: absent at {desired.absent[resource.address]}"
        if is_owned(resource, settings):
            return Verdict(Fate.DELETE, f"{declared}, and tagged {tag_text(settings)}")
        return Verdict(
            Fate.UNMANAGED,
            f"{declared}, but not tagged {tag_text(settings)}: declarate deletes only what it owns",
        )
    if KINDS[kind].taggable:
        if is_owned(resource, settings):
            return Verdict(Fate.DELETE, f"not declared in config, and tagged {tag_text(settings)}")
        return Verdict(Fate.UNMANAGED, f"not declared and not tagged {tag_text(settings)}")
    if kind is Kind.PROJECT:
        return Verdict(Fate.UNMANAGED, "project not declared in config")
    if kind is Kind.ROLE_BINDING and _is_authoritative(resource, desired, authoritative):
        principal_type, principal, role = resource.address.role_binding_parts()
        return Verdict(
            Fate.DELETE,
            f"{principal_type.value}:{principal} is named in the role bindings of {scope}, so declarate "
            f"owns all its roles there, and {role} is not declared",
        )
    directives = desired.directives_for(scope)
    setting = PRUNE_SETTINGS[kind]
    where = "the Organization document" if scope == ORGANIZATION else "the project"
    if prunes(directives, kind):
        return Verdict(Fate.DELETE, f"not declared in config, and {where} sets prune.{setting}: true")
    return Verdict(Fate.UNMANAGED, f"not declared; set prune.{setting}: true in {where} to delete it")


def _unmanaged_verdict(
    resource: Resource,
    desired: State,
    settings: Settings,
    authoritative: frozenset[PrincipalKey] | None,
) -> Verdict:
    """`ensure: unmanaged`: an owned index is untagged; anything else is reported and left alone."""
    address = resource.address
    origin = desired.unmanaged.get(address) or desired.directives_for(scope_of(address)).origin
    declared = f"declared ensure: unmanaged{f' at {origin}' if origin is not None else ''}"
    if is_owned(resource, settings):
        return Verdict(  # the change itself carries the position, as its source
            Fate.UNMANAGE,
            f"declared ensure: unmanaged: declarate removes its ownership tag {tag_text(settings)} and never changes or "
            "deletes the index again",
        )
    return Verdict(
        Fate.UNMANAGED,
        f"{declared}: declarate no longer manages it{_keep_hint(resource, desired, authoritative)}",
    )


def _keep_hint(resource: Resource, desired: State, authoritative: frozenset[PrincipalKey] | None) -> str:
    """Why the declaration must stay, when removing it would make declarate delete the object.

    Tagless kinds carry no mark of ownership: only the declaration keeps a pruning scope, or a
    principal the scope names, from deleting them.
    """
    if (
        KINDS[resource.kind].taggable
        or resource.kind is Kind.PROJECT
        or resource.address not in desired.unmanaged
    ):
        return ""
    scope = scope_of(resource.address)
    if resource.kind is Kind.BACKUP_SCHEDULE and manages_backup_schedules(
        resource.address.parent_index, desired
    ):
        return (
            f"; keep this declaration: {resource.address.parent_index} lists backup_schedules, so without "
            "it the schedule would be deleted"
        )
    if resource.kind is Kind.ROLE_BINDING and _is_authoritative(resource, desired, authoritative):
        principal_type, principal, _ = resource.address.role_binding_parts()
        return (
            f"; keep this declaration: {principal_type.value}:{principal} is named in the role bindings "
            f"of {scope}, so without it the binding would be deleted"
        )
    if prunes(desired.directives_for(scope), resource.kind):
        return (
            f"; keep this declaration: {scope} sets prune.{PRUNE_SETTINGS[resource.kind]}: true, "
            "so without it the object would be deleted"
        )
    return ""


def _absent_scope_verdict(resource: Resource, settings: Settings) -> Verdict:
    scope = scope_of(resource.address)
    if resource.kind is Kind.PROJECT:
        return Verdict(
            Fate.DELETE,
            "the project declares ensure: absent; its owned indexes and its API keys are deleted first",
        )
    if resource.kind is Kind.INDEX:
        if is_owned(resource, settings):
            return Verdict(
                Fate.DELETE, f"{scope} declares ensure: absent, and the index is tagged {tag_text(settings)}"
            )
        return Verdict(
            Fate.UNMANAGED, f"not tagged {tag_text(settings)}: declarate will not delete it, so {scope} stays"
        )
    if resource.kind is Kind.API_KEY:
        return Verdict(Fate.DELETE, f"{scope} declares ensure: absent")
    if resource.kind is Kind.BACKUP_SCHEDULE:
        return Verdict(Fate.LEAVE, f"{scope} declares ensure: absent; a schedule goes with its index")
    # Role bindings of a project exist only through it: deleting the project removes them.
    return Verdict(Fate.LEAVE, f"{scope} declares ensure: absent; its role bindings go with it")


def manages_backup_schedules(index: Address, desired: State) -> bool:
    """Whether the config owns every backup schedule of this index: its declaration lists the key."""
    declared = desired.get(index)
    return declared is not None and declared.directives.backup_schedules


def _backup_schedule_verdict(resource: Resource, desired: State) -> Verdict:
    """An undeclared schedule is deleted only when its index's declaration lists `backup_schedules`."""
    index = resource.address.parent_index
    if desired.get(index) is None:
        # Its index is not declared: the schedule goes with the index if that is deleted, else stays.
        return Verdict(Fate.LEAVE, f"{index} is not declared in config")
    if manages_backup_schedules(index, desired):
        return Verdict(
            Fate.DELETE,
            f"not declared in config, and {index} lists backup_schedules, so declarate owns all its schedules",
        )
    return Verdict(
        Fate.UNMANAGED,
        f"{index} does not list backup_schedules: declarate leaves its schedules alone",
    )


def owns(
    resource: Resource,
    desired: State,
    settings: Settings,
    authoritative: frozenset[PrincipalKey] | None = None,
) -> bool:
    """Whether declarate owns this live object for mass-deletion accounting.

    Indexes are owned through the tag; the bindings of an authoritative principal always; keys,
    other bindings and service accounts only when their scope prunes that kind (otherwise declarate
    never deletes them, so they never count). Nothing declared `ensure: unmanaged` is owned.
    """
    if is_unmanaged(resource.address, desired):
        return False
    if KINDS[resource.kind].taggable:
        return is_owned(resource, settings)
    if resource.kind is Kind.BACKUP_SCHEDULE:
        return manages_backup_schedules(resource.address.parent_index, desired)
    if resource.kind is Kind.ROLE_BINDING and _is_authoritative(resource, desired, authoritative):
        return True
    directives = desired.directives_for(scope_of(resource.address))
    return prunes(directives, resource.kind)


def _is_authoritative(
    resource: Resource, desired: State, authoritative: frozenset[PrincipalKey] | None
) -> bool:
    known = authoritative_principals(desired) if authoritative is None else authoritative
    return principal_key(resource.address) in known
