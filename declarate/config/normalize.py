"""Normalization: documents -> the desired State of canonical Resources, with where each value came from.

Every sugar form (`dimension`/`metric`/`vector_type`, `spec`, `embed`) is expanded into the 2026-07
shape as the sugar table (`model/sugar.py`) says, which also says where each sugared value was
written (origins) and in which words a field diff is shown (spellings). The result goes through the
same `model.canonical` functions the provider applies to live JSON, so a config and a live object that
mean the same thing get equal attrs. It must not validate (that is `rules.py`, which reuses the
expansion here) and must not read files; it skips what it cannot read and says so, assuming the
schema and the rules have explained why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument, format_path
from declarate.diagnostics import Diagnostic
from declarate.model import sugar
from declarate.model.address import ORGANIZATION, PRINCIPAL_NAMES, Address, Kind, PrincipalType
from declarate.model.canonical import (
    JSON,
    canonical_api_key,
    canonical_backup_schedule,
    canonical_index,
    canonical_project,
    canonical_role_binding,
    canonical_service_account,
)
from declarate.model.lazy import LazyMapping
from declarate.model.resource import Directives, Origin, Resource
from declarate.model.state import ScopeDirectives, State

# The principal keys of a role binding, in the order the config language lists them.
PRINCIPAL_KEYS: dict[str, PrincipalType] = {
    k: PRINCIPAL_NAMES[k] for k in ("user", "service_account", "invite")
}
IMPLIED_MEMBERSHIP_ROLE = "OrgMember"
UNMANAGED = "unmanaged"  # `ensure: unmanaged`: the object is let go, not desired


def normalize(docs: list[SourceDocument]) -> tuple[State, list[Diagnostic]]:
    """The desired State of `docs`; diagnostics only for objects too malformed to become resources.

    The first declaration of an address wins: duplicates are reported by the rules, not here.
    """
    builder = _StateBuilder()
    for doc in docs:
        if not isinstance(doc.data, dict):
            continue
        if doc.kind == "Project":
            builder.project(doc)
        elif doc.kind == "Organization":
            builder.organization(doc)
    return builder.state(), builder.diagnostics


# ---------------------------------------------------------------- expansion of sugar (used by rules too)


def mapping(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one: normalization and rules skip malformed parts."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(position, item) of each mapping in a list; anything else is skipped."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def desugar_fields(index: Mapping[str, Any]) -> JSON:
    """`schema.fields` of an index, built from whichever of schema / embed / sugar it uses."""
    form = sugar.form_of(index, sugar.FIELDS)
    if form is not None:
        return form.expand(index)
    return dict(mapping(mapping(index.get("schema")).get("fields")))


def desugar_deployment(index: Mapping[str, Any]) -> JSON | None:
    """The 2026-07 `deployment` of an index (None: the API default), from `deployment` or `spec`."""
    if isinstance(index.get("deployment"), dict):
        return dict(index["deployment"])
    form = sugar.form_of(index, sugar.DEPLOYMENT)
    return form.expand(index) if form is not None else None


def desugar_index(index: Mapping[str, Any]) -> JSON:
    """The index as a 2026-07 create body (name, schema, deployment, ...), ready for `canonical_index`."""
    raw: JSON = {"name": index.get("name"), "schema": {"fields": desugar_fields(index)}}
    deployment = desugar_deployment(index)
    if deployment is not None:
        raw["deployment"] = deployment
    for key in ("deletion_protection", "tags", "read_capacity"):
        if index.get(key) is not None:
            raw[key] = index[key]
    return raw


def binding_principal(binding: Mapping[str, Any]) -> tuple[str, PrincipalType, str] | None:
    """(config key, principal type, principal) of a binding with exactly one principal, else None."""
    given = [key for key in PRINCIPAL_KEYS if key in binding]
    if len(given) != 1 or not isinstance(binding[given[0]], str):
        return None
    return given[0], PRINCIPAL_KEYS[given[0]], binding[given[0]]


def _renamed_from(declaration: Mapping[str, Any]) -> str | None:
    """`renamed_from: OLD` of a declaration; None when absent or not a name (the schema says why)."""
    old = declaration.get("renamed_from")
    return old if isinstance(old, str) and old else None


# ---------------------------------------------------------------- origins


def _subtree_origins(
    doc: SourceDocument, path: Path, value: Any, attr: str, origins: dict[str, Origin]
) -> None:
    """Map the config node `value` at `path`, and every node below it, onto the attribute path `attr`."""
    origin = doc.positions.get(path)
    if origin is not None:
        origins[attr] = origin
    if isinstance(value, dict):
        for key, child in value.items():
            _subtree_origins(doc, (*path, key), child, f"{attr}.{key}", origins)


def _set(origins: dict[str, Origin], doc: SourceDocument, path: Path, attr: str) -> None:
    origin = doc.positions.get(path)  # one lookup: positions make each Origin as it is read
    if origin is not None:
        origins[attr] = origin


def index_spellings(
    index: Mapping[str, Any], spellings: tuple[sugar.Spelling, ...] | None = None
) -> tuple[tuple[str, str], ...]:
    """(canonical attribute prefix, config prefix) pairs for the sugar forms this index uses.

    Read by the plan's views (through `Resource.spelled`) to show a field diff in the words the
    config used. Canonical-form keys need no entry: their paths are spelled the same in both.
    `spellings`: the index's `sugar.spellings_of`, when the caller has them already.
    """
    found = sugar.spellings_of(index) if spellings is None else spellings
    return tuple((s.canonical, s.written) for s in found if s.shown)


def index_origins(
    doc: SourceDocument,
    path: Path,
    index: Mapping[str, Any],
    spellings: tuple[sugar.Spelling, ...] | None = None,
) -> dict[str, Origin]:
    """Canonical attribute path -> the config node it came from, sugar included (the sugar table
    says where each sugared path is written; `spellings` as for `index_spellings`)."""
    origins: dict[str, Origin] = {"": doc.origin(path)}
    _set(origins, doc, (*path, "name"), "name")
    for key in ("deletion_protection", "tags", "read_capacity", "deployment", "schema"):
        if key in index:
            _subtree_origins(doc, (*path, key), index[key], key, origins)
    placed_first: set[str] = set()
    for spelling in sugar.spellings_of(index) if spellings is None else spellings:
        keys = spelling.keys
        at: Path = (*path, *keys)
        if spelling.place is sugar.Place.TREE:
            _subtree_origins(doc, at, _written_value(index, keys), spelling.canonical, origins)
        elif spelling.place is sugar.Place.KEY:
            if at in doc.key_positions:
                origins[spelling.canonical] = doc.key_positions[at]
        elif spelling.place is sugar.Place.NODE:
            _set(origins, doc, at, spelling.canonical)
        elif spelling.canonical not in placed_first and at in doc.positions:
            origins[spelling.canonical] = doc.positions[at]
            placed_first.add(spelling.canonical)
    return origins


def _written_value(index: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = index
    for key in keys:
        value = mapping(value).get(key)
    return value


# ---------------------------------------------------------------- building the state


class _StateBuilder:
    """Collects resources (first declaration of an address wins), scopes and scope directives."""

    def __init__(self) -> None:
        self.resources: dict[Address, Resource] = {}
        self.scopes: set[str] = set()
        self.directives: dict[str, ScopeDirectives] = {}
        self.unmanaged: dict[Address, Origin] = {}
        self.absent: dict[Address, Origin] = {}
        self.diagnostics: list[Diagnostic] = []

    def state(self) -> State:
        if ORGANIZATION in self.scopes:
            self._imply_memberships()
        return State.of(
            list(self.resources.values()),
            self.scopes,
            self.directives,
            unmanaged=self.unmanaged,
            absent=self.absent,
        )

    def _imply_memberships(self) -> None:
        """Declare OrgMember for people granted project roles but no organization role.

        Pinecone only lets organization members hold project roles (an invite must carry a membership
        role), so such a person's membership is implied by the config. Declaring it keeps a config
        whose Organization document prunes role bindings from deleting the membership apply made.
        """
        bindings = [r for r in self.resources.values() if r.kind is Kind.ROLE_BINDING]
        members = {r.address.role_binding_parts()[1] for r in bindings if r.address.project is None}
        for resource in bindings:
            if resource.address.project is None:
                continue
            principal_type, who, _ = resource.address.role_binding_parts()
            if principal_type is not PrincipalType.USER or who in members:
                continue
            members.add(who)
            address = Address.role_binding(None, PrincipalType.USER, who, IMPLIED_MEMBERSHIP_ROLE)
            attrs = canonical_role_binding(None, PrincipalType.USER.value, who, IMPLIED_MEMBERSHIP_ROLE)
            self._add(Resource(address, attrs, {"": resource.origins.get("", Origin("<implied>", 1))}))

    def _add(self, resource: Resource) -> None:
        if resource.address not in self.unmanaged:
            self.resources.setdefault(resource.address, resource)

    def _let_go(self, doc: SourceDocument, path: Path, item: Mapping[str, Any], address: Address) -> bool:
        """Record an object declared `ensure: unmanaged` (True), or say it is declared to be managed."""
        if item.get("ensure") != UNMANAGED:
            return False
        if address not in self.resources:
            self.unmanaged.setdefault(address, doc.origin((*path, "ensure")))
        return True

    def _skip(self, doc: SourceDocument, path: Path, what: str) -> None:
        self.diagnostics.append(
            Diagnostic(
                doc.origin(path),
                format_path(path),
                f"{what} could not be read and was left out of the desired state",
                "normalize.skipped",
                hint="fix the errors reported for it",
            )
        )

    def project(self, doc: SourceDocument) -> None:
        data = doc.data
        name = data.get("name")
        if not isinstance(name, str) or not name:
            self._skip(doc, (), "this Project document")
            return
        scope = f"project/{name}"
        if scope in self.scopes:
            return  # a duplicate project document: reported by the rules
        self.scopes.add(scope)
        prune = mapping(data.get("prune"))
        api_key_env = data.get("api_key_env")
        self.directives[scope] = ScopeDirectives(
            ensure_absent=data.get("ensure") == "absent",
            unmanaged=data.get("ensure") == UNMANAGED,
            prune_api_keys=prune.get("api_keys") is True,
            prune_role_bindings=prune.get("role_bindings") is True,
            api_key_env=api_key_env if isinstance(api_key_env, str) else None,
            origin=doc.origin(()),
        )
        if data.get("ensure") == "absent":
            return  # the project and what declarate owns in it are to be deleted: nothing is desired
        if self._let_go(doc, (), data, Address.project_(name)):
            return  # declarate lets go of the project and of everything in it, declared or not
        try:
            attrs = canonical_project(data)
        except (TypeError, ValueError):
            self._skip(doc, (), f"project {name!r}")
            return
        origins = {"": doc.origin(())}
        for key in ("name", "max_pods", "force_encryption_with_cmek"):
            _set(origins, doc, (key,), key)
        renamed = Directives(renamed_from=_renamed_from(data))
        self._add(Resource(Address.project_(name), attrs, origins, renamed))
        for i, index in items(data.get("indexes")):
            self._index(doc, name, ("indexes", i), index)
        for i, api_key in items(data.get("api_keys")):
            self._api_key(doc, name, ("api_keys", i), api_key)
        for i, binding in items(data.get("role_bindings")):
            self._role_binding(doc, name, ("role_bindings", i), binding)

    def organization(self, doc: SourceDocument) -> None:
        data = doc.data
        if ORGANIZATION not in self.scopes:
            prune = mapping(data.get("prune"))
            self.directives[ORGANIZATION] = ScopeDirectives(
                prune_service_accounts=prune.get("service_accounts") is True,
                prune_role_bindings=prune.get("role_bindings") is True,
                origin=doc.origin(()),
            )
        self.scopes.add(ORGANIZATION)
        for i, account in items(data.get("service_accounts")):
            path: Path = ("service_accounts", i)
            name = account.get("name")
            if not isinstance(name, str) or not name:
                self._skip(doc, path, "this service account")
                continue
            if self._let_go(doc, path, account, Address.service_account(name)):
                continue
            origins = {"": doc.origin(path)}
            _set(origins, doc, (*path, "name"), "name")
            renamed = Directives(renamed_from=_renamed_from(account))
            self._add(
                Resource(Address.service_account(name), canonical_service_account(account), origins, renamed)
            )
        for i, binding in items(data.get("role_bindings")):
            self._role_binding(doc, None, ("role_bindings", i), binding)

    def _index(self, doc: SourceDocument, project: str, path: Path, index: JSON) -> None:
        name = index.get("name")
        if not isinstance(name, str) or not name:
            self._skip(doc, path, "this index")
            return
        address = Address.index(project, name)
        if self._let_go(doc, path, index, address):
            return
        if index.get("ensure") == "absent":
            self.absent.setdefault(address, doc.origin((*path, "ensure")))
            return  # not desired: deleted if declarate owns it, and its records with it (DESIGN §9.1)
        try:
            attrs = canonical_index(desugar_index(index))
        except (TypeError, ValueError, AttributeError):
            self._skip(doc, path, f"index {name!r}")
            return
        ignore = index.get("ignore_changes")
        directives = Directives(
            ignore_changes=tuple(p for p in ignore if isinstance(p, str)) if isinstance(ignore, list) else (),
            allow_replace=index.get("allow_replace") is True,
            renamed_from=_renamed_from(index),
            keep_backup=index.get("keep_backup") is True,
            backup_schedules=isinstance(index.get("backup_schedules"), list),
        )
        written = sugar.spellings_of(index)  # once: origins and plan wording both read them
        origins = LazyMapping(lambda: index_origins(doc, path, index, written), "origins")
        spellings = index_spellings(index, written)
        self._add(Resource(address, attrs, origins, directives, spellings=spellings))
        for i, schedule in items(index.get("backup_schedules")):
            self._backup_schedule(doc, project, name, (*path, "backup_schedules", i), schedule)

    def _backup_schedule(
        self, doc: SourceDocument, project: str, index: str, path: Path, schedule: JSON
    ) -> None:
        name = schedule.get("name")
        if not isinstance(name, str) or not name:
            self._skip(doc, path, "this backup schedule")
            return
        if self._let_go(doc, path, schedule, Address.backup_schedule(project, index, name)):
            return
        try:
            attrs = canonical_backup_schedule(schedule)
        except (KeyError, TypeError, ValueError):
            self._skip(doc, path, f"backup schedule {name!r}")
            return
        # `enabled` omitted is a default: with no origin of its own it is shown apart from declared fields.
        origins = {"": doc.origin(path)}
        for key in ("name", "frequency", "retain_days", "enabled"):
            _set(origins, doc, (*path, key), key)
        self._add(Resource(Address.backup_schedule(project, index, name), attrs, origins))

    def _api_key(self, doc: SourceDocument, project: str, path: Path, key: JSON) -> None:
        name = key.get("name")
        roles = key.get("roles")
        if isinstance(name, str) and name and self._let_go(doc, path, key, Address.api_key(project, name)):
            return
        if not isinstance(name, str) or not name or not (roles is None or isinstance(roles, list)):
            self._skip(doc, path, "this API key")
            return
        origins = {"": doc.origin(path)}
        _set(origins, doc, (*path, "name"), "name")
        _set(origins, doc, (*path, "roles"), "roles")
        renamed = Directives(renamed_from=_renamed_from(key))
        self._add(Resource(Address.api_key(project, name), canonical_api_key(key), origins, renamed))

    def _role_binding(self, doc: SourceDocument, project: str | None, path: Path, binding: JSON) -> None:
        principal = binding_principal(binding)
        role = binding.get("role")
        if principal is None or not isinstance(role, str) or not role:
            self._skip(doc, path, "this role binding")
            return
        key, principal_type, who = principal
        address = Address.role_binding(project, principal_type, who, role)
        if self._let_go(doc, path, binding, address):
            return
        attrs = canonical_role_binding(project, principal_type.value, who, role)
        origins = {"": doc.origin(path)}
        _set(origins, doc, (*path, key), "principal")
        if (*path, key) in doc.key_positions:
            origins["principal_type"] = doc.key_positions[(*path, key)]
        _set(origins, doc, (*path, "role"), "role")
        if project is not None:
            _set(origins, doc, ("name",), "project")  # the binding's project is the document's
        # `user: EMAIL` (or service_account, invite) is how the config names the principal.
        self._add(Resource(address, attrs, origins, spellings=(("principal", key),)))
