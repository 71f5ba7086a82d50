"""Rules of `renamed_from` (DESIGN §9.1, §9.6) that the config alone can check, each at its file:line.

A declaration renamed from itself; two declarations renamed from one old name (only one can take the
old object over); a rename from a name the config still declares (the two declarations would fight
over one object), named a chain when that declaration is itself renamed (renames do not chain: one
step per apply) and a cycle when the renames lead back; `renamed_from` on a project that is
`ensure: absent`; `keep_backup` without a rename; an old name that cannot mean what it says (an
address, or an API key of another project: `/` is allowed in a key's name, so `team-b/reader` would
otherwise be looked for, and not found, as a key of this project, and silently become a create).
Names are compared within their scope: projects across the config, indexes and API keys within their
project, service accounts within the organization. Offline; never reads live state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import items
from declarate.config.problems import diagnostic
from declarate.diagnostics import Diagnostic, Severity
from declarate.model.address import Address, AddressError, Kind
from declarate.model.resource import Origin

# (document, path of the declaration in it, the declaration)
Declaration = tuple[SourceDocument, Path, Mapping[str, Any]]


def check_renames(docs: list[SourceDocument]) -> list[Diagnostic]:
    """Every `renamed_from` and `keep_backup` mistake in `docs`."""
    projects = [(doc, (), doc.data) for doc in docs if doc.kind == "Project" and isinstance(doc.data, dict)]
    found = _renames(projects, "project", "the config")
    found += [d for doc, path, item in projects if (d := _address_source(doc, path, item, Kind.PROJECT))]
    declared_projects = {name for _, _, item in projects if isinstance(name := item.get("name"), str)}
    for doc in docs:
        if not isinstance(doc.data, dict):
            continue
        if doc.kind == "Project":
            scope = f"project {doc.data.get('name')!r}"
            for key, what in (("indexes", "index"), ("api_keys", "API key")):
                found += _renames(_declarations(doc, key), what, scope)
            found += _key_sources(doc, declared_projects)
            found += _keep_backup(doc)
            declarations = [(doc, (), doc.data), *_declarations(doc, "indexes")]
            for _, path, item in declarations:
                if item.get("ensure") == "absent" and "renamed_from" in item:
                    what = "the index" if path else "the project"
                    found.append(
                        diagnostic(
                            doc,
                            (*path, "renamed_from"),
                            f"ensure: absent deletes {what}: it cannot be renamed as well",
                            "rules.renamed_from_absent",
                            hint="remove renamed_from, or ensure: absent",
                            on_key=True,
                        )
                    )
        elif doc.kind == "Organization":
            accounts = _declarations(doc, "service_accounts")
            found += _renames(accounts, "service account", "the organization")
            found += [
                d
                for doc, path, item in accounts
                if (d := _address_source(doc, path, item, Kind.SERVICE_ACCOUNT))
            ]
    return found


def _old_address(item: Mapping[str, Any]) -> Address | None:
    """The address `renamed_from` spells (as plan output shows addresses), or None."""
    old = item.get("renamed_from")
    if isinstance(old, str):
        with contextlib.suppress(AddressError):
            return Address.parse(old)
    return None


def _address_source(
    doc: SourceDocument, path: Path, item: Mapping[str, Any], kind: Kind
) -> Diagnostic | None:
    """`renamed_from: service-account/old` (an address) where the old name belongs."""
    address = _old_address(item)
    if address is None or address.kind is not kind:
        return None
    return _address_diagnostic(doc, path, str(item["renamed_from"]), address)


def _address_diagnostic(doc: SourceDocument, path: Path, old: str, address: Address) -> Diagnostic:
    what = address.kind.value.replace("-", " ").replace("api key", "API key")
    return diagnostic(
        doc,
        (*path, "renamed_from"),
        f"renamed_from takes the old {what}'s name, not its address: {old!r} would be looked for as a "
        f"{what} named so, found nowhere, and the {what} created new",
        "rules.renamed_from_address",
        hint=f"write renamed_from: {address.name}",
    )


def _key_sources(doc: SourceDocument, declared_projects: set[str]) -> list[Diagnostic]:
    """API keys renamed from an address (an error), or from a name that reads as a key of another
    declared project (`team-b/reader`: a warning).

    A key's name may hold `/`, so `team-b/reader` is looked for in this project as written. It may
    really be this project's key of that name, so it is not refused; but if it was meant as team-b's
    key, the plan would create a new key here: a key never moves between projects, so say so.
    """
    own = doc.data.get("name")
    found: list[Diagnostic] = []
    for _, path, key in _declarations(doc, "api_keys"):
        old, address = key.get("renamed_from"), _old_address(key)
        if not isinstance(old, str):
            continue
        if address is not None and address.kind is Kind.API_KEY:
            if address.project == own:
                found.append(_address_diagnostic(doc, path, old, address))
            else:
                found.append(_other_project_key(doc, path, key, old, str(address.project), address.name))
            continue
        project, _, name = old.partition("/")
        if name and project != own and project in declared_projects:
            found.append(_other_project_key(doc, path, key, old, project, name, severity=Severity.WARNING))
    return found


def _other_project_key(
    doc: SourceDocument,
    path: Path,
    key: Mapping[str, Any],
    old: str,
    project: str,
    name: str,
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    own = doc.data.get("name")
    if severity is Severity.ERROR:
        looked_for = (
            f"the old name is looked for in project {own!r} as written, so the key would be created new"
        )
        hint = (
            f"a key cannot move between projects: declare it in project {project!r} to rename it "
            "there, or remove renamed_from to create a new key here"
        )
    else:
        looked_for = (
            f"it is looked for in project {own!r} as written, and if not found there the key is created new"
        )
        hint = (
            f"right if project {own!r} has a key named {old!r}; a key of project {project!r} cannot "
            f"move here: declare it in project {project!r} to rename it there"
        )
    return diagnostic(
        doc,
        (*path, "renamed_from"),
        f"API key {key.get('name')!r} is renamed from {old!r}, which reads as API key {name!r} of "
        f"project {project!r}: an API key is renamed within its project ({looked_for})",
        "rules.renamed_from_other_project",
        severity=severity,
        hint=hint,
    )


def _declarations(doc: SourceDocument, key: str) -> list[Declaration]:
    return [(doc, (key, i), item) for i, item in items(doc.data.get(key))]


def _renames(declarations: Iterable[Declaration], what: str, scope: str) -> list[Diagnostic]:
    """The rename mistakes among the declarations of one kind in one scope."""
    declarations = list(declarations)
    if not any("renamed_from" in item for _, _, item in declarations):
        return []  # nothing renamed here (the usual case): no need to map every declared name
    declared: dict[str, Origin] = {}
    sources: dict[str, str] = {}  # declared name -> the name it is renamed from
    for doc, path, item in declarations:
        name, old = item.get("name"), item.get("renamed_from")
        if isinstance(name, str):
            declared.setdefault(name, doc.origin((*path, "name")))
            if isinstance(old, str) and old != name:
                sources.setdefault(name, old)
    claimed: dict[str, Origin] = {}
    found: list[Diagnostic] = []
    for doc, path, item in declarations:
        old, name = item.get("renamed_from"), item.get("name")
        if not isinstance(old, str) or not isinstance(name, str):
            continue  # absent, or a wrong type the schema reported
        at: Path = (*path, "renamed_from")
        if old == name:
            found.append(
                diagnostic(
                    doc,
                    at,
                    f"{what} {name!r} is renamed from itself",
                    "rules.renamed_from_self",
                    hint="set renamed_from to the old name, or remove it once the rename is applied",
                )
            )
        elif old in declared:
            found.append(_declared_old(doc, at, what, scope, name, old, declared[old], sources))
        elif old in claimed:
            found.append(
                diagnostic(
                    doc,
                    at,
                    f"two declarations in {scope} are renamed from {what} {old!r}; the first is at "
                    f"{claimed[old]}: only one can take it over",
                    "rules.renamed_from_twice",
                    hint="keep renamed_from on one of them; the other is created new",
                )
            )
        else:
            claimed[old] = doc.origin(at)
    return found


def _declared_old(
    doc: SourceDocument,
    at: Path,
    what: str,
    scope: str,
    name: str,
    old: str,
    where: Origin,
    sources: Mapping[str, str],
) -> Diagnostic:
    """A rename from a name that is still declared: a plain clash, a chain of renames, or a cycle."""
    steps = [name, old]
    while steps[-1] in sources and sources[steps[-1]] not in steps:
        steps.append(sources[steps[-1]])
    if steps[-1] in sources and sources[steps[-1]] == name:
        cycle = " <- ".join([*steps, name])
        return diagnostic(
            doc,
            at,
            f"{what} {name!r} is renamed from {old!r}, declared at {where}, and the renames form a cycle "
            f"({cycle}): each name would be taken before it is freed",
            "rules.renamed_from_cycle",
            hint=f"rename through a free name: one rename per apply, e.g. {old!r} to a temporary name first",
        )
    if old in sources:
        chain = " <- ".join(steps)
        return diagnostic(
            doc,
            at,
            f"{what} {name!r} is renamed from {old!r}, which {scope} declares at {where} as renamed from "
            f"{sources[old]!r}: renames do not chain ({chain})",
            "rules.renamed_from_chain",
            hint=f"to rename {steps[-1]!r} to {name!r} in one step, set renamed_from: {steps[-1]} and remove "
            f"the declaration of {old!r}",
        )
    return diagnostic(
        doc,
        at,
        f"{what} {name!r} is renamed from {old!r}, which {scope} still declares at "
        f"{where}: both declarations would claim the same live {what}",
        "rules.renamed_from_declared",
        hint=f"remove the declaration of {old!r}, or fix renamed_from",
    )


def _keep_backup(doc: SourceDocument) -> list[Diagnostic]:
    """`keep_backup` only means something on an index that is renamed."""
    return [
        diagnostic(
            doc,
            ("indexes", i, "keep_backup"),
            f"keep_backup keeps the backup a rename makes, but index {index.get('name')!r} has no renamed_from",
            "rules.keep_backup_without_rename",
            hint="remove keep_backup, or add renamed_from: OLD",
            on_key=True,
        )
        for i, index in items(doc.data.get("indexes"))
        if "keep_backup" in index and "renamed_from" not in index
    ]
