"""Renames (`renamed_from: OLD`, DESIGN §9.1, §9.6): which live object a declaration starts from.

A declaration renamed from OLD meets one of four live situations, each decided here once:

- OLD live, the new name not: one `rename` change (never a delete plus a create);
- the new name live, OLD not: the rename is done; the declaration is diffed like any other;
- both live: a `rename` change the safety rules block (which one holds the data is not ours to guess);
- neither live: a plain create, whose reason says so.

A project rename carries its contents: `rehome` shows the live objects of project OLD under the new
name, so the indexes, keys and bindings declared in the renamed project are compared with the ones
that will be there after the rename, and nothing in it is created twice or deleted. Pure: no I/O; the
safety rules block what may not run (`rename_rules`), the provider carries renames out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from declarate.engine.diff import diff_attrs
from declarate.model import defaults as d
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.kinds import KINDS, RENAME_REASONS, Rename
from declarate.model.plan import Action, Change
from declarate.model.resource import Resource
from declarate.model.state import State


def old_address(resource: Resource) -> Address | None:
    """The address of the object `resource` is renamed from, or None when it declares no rename."""
    old = resource.directives.renamed_from
    if old is None or old == resource.address.name or KINDS[resource.kind].rename is Rename.NONE:
        return None
    return dataclasses.replace(
        resource.address, name=old, project=old if resource.kind is Kind.PROJECT else resource.address.project
    )


def rename_sources(desired: State) -> dict[Address, Address]:
    """Old address -> the declared address it is renamed to, for every declared rename."""
    sources: dict[Address, Address] = {}
    for resource in desired:
        old = old_address(resource)
        if old is not None:
            sources.setdefault(old, resource.address)
    return sources


def pending_renames(desired: State, live: State, kind: Kind) -> dict[str, str]:
    """Old name -> new name, for each declared rename of `kind` that is still to be made."""
    found: dict[str, str] = {}
    for old, new in rename_sources(desired).items():
        if old.kind is kind and old in live and new not in live:
            found[old.name] = new.name
    return found


def rehome(desired: State, live: State) -> State:
    """Live state showing what a pending rename carries under the new name. Idempotent.

    The contents of a project still to be renamed (its scope read whole, declarate's own keys in it
    included) move to the new project name, and the role bindings of a service account still to be
    renamed to its new name. The renamed objects themselves keep their old address: the planner
    turns each into a rename.
    """
    projects = pending_renames(desired, live, Kind.PROJECT)
    accounts = pending_renames(desired, live, Kind.SERVICE_ACCOUNT)
    if not projects and not accounts:
        return live

    def moved(address: Address) -> Address:
        if address.kind in (Kind.PROJECT, Kind.SERVICE_ACCOUNT):
            return address
        if address.project in projects:
            address = dataclasses.replace(address, project=projects[address.project])
        if address.principal_type is PrincipalType.SERVICE_ACCOUNT and address.name in accounts:
            address = dataclasses.replace(address, name=accounts[address.name])
        return address

    resources = [_moved_resource(r, moved(r.address)) for r in live]
    scopes = set(live.scopes) | {
        f"project/{new}" for old, new in projects.items() if f"project/{old}" in live.scopes
    }
    return State.of(resources, scopes, live.directives, frozenset(moved(a) for a in live.protected))


def _moved_resource(resource: Resource, address: Address) -> Resource:
    """`resource` at its new address; a role binding's attrs name its project and principal too."""
    if address == resource.address:
        return resource
    attrs = dict(resource.attrs)
    if address.kind is Kind.ROLE_BINDING:
        if "project" in attrs and address.project is not None:
            attrs["project"] = address.project
        if "principal" in attrs:
            attrs["principal"] = address.name
    return dataclasses.replace(resource, address=address, attrs=attrs)


def resumes_rename(live: Resource | None, old: Address | None) -> bool:
    """True when `live` is an index a rename from `old` created and has not finished (it carries the marker)."""
    if live is None or old is None or live.kind is not Kind.INDEX:
        return False
    return (live.attrs.get("tags") or {}).get(d.RENAME_MARKER_TAG) == old.name


def rename_change(
    desired: Resource, after: Mapping[str, object], live_old: Resource, old: Address | None = None
) -> Change:
    """The one change that renames `live_old` to `desired` (`after`: desired attrs as they will be sent).

    Its fields are every difference from the old object, the name included; `before` is the old
    object's attrs, so a saved plan notices when it moves. A rename resumed after a crash starts from
    the new index (`live_old` is it, `old` the old address).
    """
    old = old or live_old.address
    fields = diff_attrs(desired.kind, live_old.attrs, dict(after), desired.origin_of, desired)
    reason = f"renamed_from {old.name}: {RENAME_REASONS[KINDS[desired.kind].rename]}"
    return Change(
        desired.address,
        Action.RENAME,
        fields=fields,
        source=desired.origin,
        reason=reason,
        before=dict(live_old.attrs),
        after=dict(after),
        renamed_from=old,
        keep_backup=desired.directives.keep_backup,
    )


def create_reason(desired: Resource) -> str:
    """Why a renamed declaration whose old and new names are both missing is a plain create."""
    return (
        f"declared in config, not found live; renamed_from {desired.directives.renamed_from} does not "
        "exist live either, so it is created (nothing to rename)"
    )
