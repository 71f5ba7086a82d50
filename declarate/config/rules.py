"""Semantic rules over all documents: the checks a JSON Schema cannot express.

Unique names per scope, at most one Organization and one Workspace (in `declarate.yaml` at a root),
references that resolve, roles valid for their scope and principal, pods within `max_pods`, directives
only where they mean something, and (through `index_rules`) everything about one index. Every
violation is a Diagnostic at its node with a fix; all are returned at once. Rules run offline and never
crash on a document the schema rejected: they skip what is malformed, the schema reported it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.index_rules import check_index, is_int
from declarate.config.normalize import PRINCIPAL_KEYS, binding_principal, desugar_deployment, items, mapping
from declarate.config.problems import diagnostic, did_you_mean
from declarate.config.rename_rules import check_renames
from declarate.diagnostics import Diagnostic, Severity
from declarate.model import defaults as d
from declarate.model.address import PrincipalType
from declarate.model.kinds import API_KEY_ROLES, BINDING_ROLES, ORGANIZATION_ROLES, PROJECT_ROLES, Scope
from declarate.model.resource import Origin

WORKSPACE_FILE = "declarate.yaml"
INDEX_ONLY_DIRECTIVES = ("allow_replace", "ignore_changes")


def check_rules(docs: list[SourceDocument]) -> list[Diagnostic]:
    """Every semantic rule violation in `docs`, errors and warnings, in document order."""
    found = _document_rules(docs) + check_renames(docs)
    service_accounts = _declared_service_accounts(docs)
    for doc in docs:
        if not isinstance(doc.data, dict):
            continue
        if doc.kind == "Project":
            found += _project(doc, service_accounts)
        elif doc.kind == "Organization":
            found += _organization(doc, service_accounts)
    return found


def _document_rules(docs: list[SourceDocument]) -> list[Diagnostic]:
    """Rules across documents: unique project names, one Organization, one Workspace in its place."""
    found: list[Diagnostic] = []
    projects: dict[str, Origin] = {}
    organization: Origin | None = None
    workspace: Origin | None = None
    for doc in docs:
        if doc.kind == "Project":
            name = doc.data.get("name")
            if not isinstance(name, str):
                continue
            if name in projects:
                found.append(
                    diagnostic(
                        doc,
                        ("name",),
                        f"project {name!r} is declared twice; the first is at {projects[name]}",
                        "rules.duplicate_name",
                        hint="project names are unique across the config: rename one or merge the two",
                    )
                )
            else:
                projects[name] = doc.origin(("name",))
        elif doc.kind == "Organization":
            if organization is not None:
                found.append(
                    diagnostic(
                        doc,
                        ("kind",),
                        f"at most one Organization document is allowed; found another at {organization}",
                        "rules.duplicate_organization",
                        hint="merge the two Organization documents into one",
                    )
                )
            else:
                organization = doc.origin(("kind",))
        elif doc.kind == "Workspace":
            if not _is_workspace_file(doc):
                found.append(
                    diagnostic(
                        doc,
                        ("kind",),
                        f"a Workspace document belongs in {WORKSPACE_FILE} at the top of a config root; "
                        f"found it in {doc.file}",
                        "rules.workspace_location",
                        hint=f"move it to {os.path.join(doc.root, WORKSPACE_FILE)}",
                    )
                )
            elif workspace is not None:
                found.append(
                    diagnostic(
                        doc,
                        ("kind",),
                        f"at most one Workspace document is allowed; found another at {workspace}",
                        "rules.duplicate_workspace",
                        hint="merge the Workspace documents into one",
                    )
                )
            else:
                workspace = doc.origin(("kind",))
    return found


def _is_workspace_file(doc: SourceDocument) -> bool:
    file = os.path.abspath(doc.file)
    root = os.path.abspath(doc.root)
    return os.path.basename(file) == WORKSPACE_FILE and (os.path.dirname(file) == root or file == root)


def _declared_service_accounts(docs: list[SourceDocument]) -> set[str]:
    names: set[str] = set()
    for doc in docs:
        if doc.kind == "Organization":
            names.update(str(a.get("name")) for _, a in items(doc.data.get("service_accounts")))
    return names


def _duplicates(doc: SourceDocument, list_key: str, what: str, scope: str) -> list[Diagnostic]:
    """Items of `list_key` whose name repeats an earlier one in the same scope."""
    found: list[Diagnostic] = []
    seen: dict[str, int] = {}  # name -> where in the list it is first declared
    for i, item in items(doc.data.get(list_key)):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            first = doc.origin((list_key, seen[name], "name"))
            found.append(
                diagnostic(
                    doc,
                    (list_key, i, "name"),
                    f"{what} {name!r} is declared twice in {scope}; the first is at {first}",
                    "rules.duplicate_name",
                    hint=f"{what} names are unique in {scope}: rename or remove one",
                )
            )
        else:
            seen[name] = i
    return found


def _project(doc: SourceDocument, service_accounts: set[str]) -> list[Diagnostic]:
    data = doc.data
    name = data.get("name")
    scope = f"project {name!r}" if isinstance(name, str) else "this project"
    found: list[Diagnostic] = []
    found += _duplicates(doc, "indexes", "index", scope)
    found += _duplicates(doc, "api_keys", "API key", scope)
    for i, index in items(data.get("indexes")):
        found += check_index(doc, ("indexes", i), index)
    for i, api_key in items(data.get("api_keys")):
        found += _api_key_roles(doc, ("api_keys", i), api_key)
        found += _index_only_directives(doc, ("api_keys", i), api_key, "an API key")
    found += _role_bindings(doc, Scope.PROJECT, service_accounts)
    found += _index_only_directives(doc, (), data, "a project")
    found += _pods(doc)
    found += _cmek_full_text_search(doc)
    found += _prune_with_own_key(doc)
    if data.get("ensure") == "absent":
        found += _unmanaged_in_absent(doc)
        for key in ("indexes", "api_keys", "role_bindings"):
            if data.get(key) and not _all_unmanaged(data.get(key)):
                found.append(
                    diagnostic(
                        doc,
                        (key,),
                        f"ensure: absent deletes the project, yet {key} are declared in it",
                        "rules.absent_with_resources",
                        hint=f"remove '{key}', or set ensure: present to keep the project",
                        on_key=True,
                    )
                )
    return found


def _all_unmanaged(declared: Any) -> bool:
    """True for a list whose every item is declared `ensure: unmanaged` (reported on its own)."""
    entries = list(items(declared))
    return (
        bool(entries)
        and len(entries) == len(declared)
        and all(i.get("ensure") == "unmanaged" for _, i in entries)
    )


def _unmanaged_in_absent(doc: SourceDocument) -> list[Diagnostic]:
    """`ensure: unmanaged` inside a project that is `ensure: absent`: keep it, or delete it, not both.

    Deleting the project needs it empty, and an unmanaged object is never deleted, so the plan could
    never carry out both.
    """
    return [
        diagnostic(
            doc,
            (key, i, "ensure"),
            "ensure: unmanaged keeps this object, yet the project is ensure: absent, which deletes it "
            "with everything in it",
            "rules.unmanaged_in_absent",
            hint="set ensure: unmanaged on the project to stop managing all of it, or drop this item to "
            "let the project's deletion take it",
        )
        for key in ("indexes", "api_keys", "role_bindings")
        for i, item in items(doc.data.get(key))
        if item.get("ensure") == "unmanaged"
    ]


def _prune_with_own_key(doc: SourceDocument) -> list[Diagnostic]:
    """`prune.api_keys` beside `api_key_env` could delete the very key declarate runs with.

    The API lists keys without their values, so declarate cannot tell which live key is the one in
    the environment variable, and would prune it as undeclared.
    """
    prune = doc.data.get("prune")
    if not (isinstance(prune, dict) and prune.get("api_keys") is True and doc.data.get("api_key_env")):
        return []
    return [
        diagnostic(
            doc,
            ("prune", "api_keys"),
            "prune.api_keys cannot be combined with api_key_env: the API lists keys without their "
            "values, so declarate cannot tell which live key is the one it runs with, and would delete it",
            "rules.prune_own_key",
            hint="drop api_key_env (declarate then uses a temporary key it can recognise), or prune keys by hand",
        )
    ]


def _organization(doc: SourceDocument, service_accounts: set[str]) -> list[Diagnostic]:
    found = _duplicates(doc, "service_accounts", "service account", "the organization")
    for i, account in items(doc.data.get("service_accounts")):
        found += _index_only_directives(doc, ("service_accounts", i), account, "a service account")
    found += _index_only_directives(doc, (), doc.data, "the organization")
    return found + _role_bindings(doc, Scope.ORGANIZATION, service_accounts)


def _index_only_directives(
    doc: SourceDocument, path: Path, item: Mapping[str, Any], what: str
) -> list[Diagnostic]:
    return [
        diagnostic(
            doc,
            (*path, key),
            f"{key} applies only to indexes; found it on {what}",
            "rules.allow_replace" if key == "allow_replace" else "rules.ignore_changes",
            hint=f"remove '{key}': only an index has immutable fields to replace or attributes other "
            "owners may change",
            on_key=True,
        )
        for key in INDEX_ONLY_DIRECTIVES
        if key in item
    ]


def _api_key_roles(doc: SourceDocument, path: Path, key: Mapping[str, Any]) -> list[Diagnostic]:
    roles = key.get("roles")
    if not isinstance(roles, list):
        return []
    found: list[Diagnostic] = []
    for i, role in enumerate(roles):
        if not isinstance(role, str) or role in API_KEY_ROLES:
            continue
        why = (
            " (an organization role: an API key belongs to one project)" if role in ORGANIZATION_ROLES else ""
        )
        found.append(
            diagnostic(
                doc,
                (*path, "roles", i),
                f"an API key may hold only {', '.join(API_KEY_ROLES)}; found {role!r}{why}",
                "rules.invalid_role",
                hint=did_you_mean(role, API_KEY_ROLES),
            )
        )
    return found


def _role_bindings(doc: SourceDocument, scope: Scope, service_accounts: set[str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: dict[tuple[PrincipalType, str, str], Origin] = {}
    where = "the organization" if scope is Scope.ORGANIZATION else "this project"
    for i, binding in items(doc.data.get("role_bindings")):
        path: Path = ("role_bindings", i)
        found += _index_only_directives(doc, path, binding, "a role binding")
        given = [k for k in PRINCIPAL_KEYS if k in binding]
        if len(given) != 1:
            found.append(
                diagnostic(
                    doc,
                    path,
                    "a role binding needs exactly one of user, service_account, invite; found "
                    + (", ".join(given) if given else "none"),
                    "rules.principal",
                    hint="split it into one binding per principal" if given else "add e.g. 'user: EMAIL'",
                )
            )
            continue
        principal = binding_principal(binding)
        role = binding.get("role")
        if principal is None or not isinstance(role, str):
            continue  # wrong types: the schema reported them
        key, principal_type, who = principal
        if principal_type is PrincipalType.USER and "@" not in who:
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"{key} must be an email address; found {who!r}",
                    "rules.principal",
                    hint="for a service account, use 'service_account: NAME'",
                )
            )
        if principal_type is PrincipalType.SERVICE_ACCOUNT and who not in service_accounts:
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"service account {who!r} is not declared in the Organization document, so it must "
                    "already exist live (checked when planning)",
                    "rules.unresolved_service_account",
                    severity=Severity.WARNING,
                    hint=f"declare it under Organization service_accounts: [{{name: {who}}}]",
                )
            )
        found += _binding_role(doc, (*path, "role"), scope, principal_type, role)
        identity = (principal_type, who, role)
        if identity in seen:
            found.append(
                diagnostic(
                    doc,
                    path,
                    f"{key} {who} already has role {role} in {where}; the first binding is at "
                    f"{seen[identity]}",
                    "rules.duplicate_role_binding",
                    hint="remove one (invite: is an alias of user:)",
                )
            )
        else:
            seen[identity] = doc.origin(path)
    return found


def _binding_role(
    doc: SourceDocument, path: Path, scope: Scope, principal_type: PrincipalType, role: str
) -> list[Diagnostic]:
    valid = BINDING_ROLES[(scope, principal_type)]
    if role in valid:
        return []
    if scope is Scope.PROJECT and role in ORGANIZATION_ROLES:
        hint = f"{role} is an organization role: bind it in the Organization document"
    elif scope is Scope.ORGANIZATION and role in PROJECT_ROLES:
        hint = f"{role} is a project role: bind it in the Project document's role_bindings"
    else:
        hint = did_you_mean(role, valid) or ""
    return [
        diagnostic(
            doc,
            path,
            f"a role binding in {'the organization' if scope is Scope.ORGANIZATION else 'a project'} "
            f"takes one of {', '.join(valid)}; found {role!r}",
            "rules.invalid_role",
            hint=hint or None,
        )
    ]


def _cmek_full_text_search(doc: SourceDocument) -> list[Diagnostic]:
    """A project that enforces CMEK encryption rejects every schema with a full_text_search field."""
    if doc.data.get("force_encryption_with_cmek") is not True:
        return []
    return [
        diagnostic(
            doc,
            ("indexes", i, "schema", "fields", name),
            f"full-text search field {name!r} cannot be used in a project with force_encryption_with_cmek: "
            "true (Pinecone rejects it)",
            "rules.cmek_full_text_search",
            hint="move the index to a project without CMEK enforcement, or drop full_text_search",
        )
        for i, index in items(doc.data.get("indexes"))
        for name, field in mapping(mapping(index.get("schema")).get("fields")).items()
        if isinstance(field, dict) and "full_text_search" in field
    ]


def _pods(doc: SourceDocument) -> list[Diagnostic]:
    """The pods of a project's pod indexes (replicas x shards each) must fit within its max_pods."""
    used: list[str] = []
    total = 0
    first: Path | None = None
    for i, index in items(doc.data.get("indexes")):
        deployment = desugar_deployment(index)
        if deployment is None or deployment.get("deployment_type") != "pod":
            continue
        replicas = deployment.get("replicas", d.DEFAULT_POD_REPLICAS)
        shards = deployment.get("shards", d.DEFAULT_POD_SHARDS)
        if not (is_int(replicas) and is_int(shards)):
            continue
        total += replicas * shards
        used.append(f"{index.get('name')}: {replicas} x {shards}")
        first = first or ("indexes", i)
    max_pods = doc.data.get("max_pods", d.DEFAULT_MAX_PODS)
    if first is None or not is_int(max_pods) or total <= max_pods:
        return []
    return [
        diagnostic(
            doc,
            ("max_pods",) if "max_pods" in doc.data else first,
            f"the project's pod indexes use {total} pods ({'; '.join(used)}) but max_pods is {max_pods}",
            "rules.max_pods",
            hint=f"raise max_pods to {total}, or lower replicas or shards",
        )
    ]
