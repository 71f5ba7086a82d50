"""Export: live state rendered as config documents, in the sugar forms wherever they are lossless.

`export_documents` turns a live State into one Project document per project and one Organization
document, ready to commit; defaults are stripped (as decK's dump does) so the files stay minimal,
and the ownership tag is left out (declarate adds it itself). Every string is written so that the
loader reads back exactly the live value (`${` is escaped as `$${`), and file names are made safe
whatever a project is called. Pure: State in, text out. Never emits a secret (live state holds none)
nor declarate's own principal and temporary keys.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import yaml

from declarate.model import defaults as d
from declarate.model.address import Kind, PrincipalType
from declarate.model.resource import Resource
from declarate.model.settings import Settings
from declarate.model.state import State
from declarate.model.sugar import DEPLOYMENT, FIELDS, resugared
from declarate.render.escape import printable

HEADER = "# Exported by `declarate export` from live state. Review, then commit.\n"
ORGANIZATION_FILE = "organization.yaml"

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")
_FILE_STEM_MAX = 80


def export_documents(live: State, settings: Settings, projects: list[str] | None = None) -> dict[str, str]:
    """{relative file path: YAML text}: `projects/NAME.yaml` per project and `organization.yaml`.

    `organization.yaml` is written only when no project is named (a whole export).
    """
    files: dict[str, str] = {}
    wanted = sorted(projects) if projects else live.projects()
    taken: set[str] = set()
    for name in wanted:
        document = _project_document(live, name, settings)
        if document is not None:
            files[f"projects/{project_file_stem(name, taken)}.yaml"] = HEADER + _dump(document)
    if not projects:
        files[ORGANIZATION_FILE] = HEADER + _dump(_organization_document(live))
    return files


def project_file_stem(name: str, taken: set[str]) -> str:
    """A file name for a project, safe on every file system, unique (case-insensitively) in `taken`.

    A project may be called anything up to 512 characters, `../x` included: the name is used as is only
    when it is a plain, short file name; otherwise unsafe characters become `_` and a digest of the
    name keeps two projects from sharing a file. `taken` is updated.
    """
    stem = _UNSAFE_FILE_CHARACTERS.sub("_", name).strip("._")[:_FILE_STEM_MAX]
    if stem != name or not stem or stem.lower() in taken:
        stem = f"{stem or 'project'}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    taken.add(stem.lower())
    return stem


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes a string holding an invisible or control character double-quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if printable(value) != value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)

# What YAML counts as printable but a reviewer cannot see (bidi overrides, zero-width, C1): written
# as `\uXXXX`, which is only ever inside the double-quoted scalars `_represent_str` makes.
_INVISIBLE = re.compile("[\u0080-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _dump(document: Mapping[str, Any]) -> str:
    """YAML for a config file: readable Unicode, but nothing a reviewer of the file cannot see.

    A live name may hold a bidi override or a zero-width character (anyone who may name a key can
    do it); written raw, it would reorder or hide text in the committed file and its diff.
    """
    text = yaml.dump(_escaped(dict(document)), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _escaped(value: Any) -> Any:
    """`value` with `${` in every string written as `$${`, so the loader does not read it as a variable."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, Mapping):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(item) for item in value]
    return value


def _visible(live: State, resource: Resource) -> bool:
    return resource.address not in live.protected


def _project_document(live: State, name: str, settings: Settings) -> dict[str, Any] | None:
    project = next((r for r in live.of_kind(Kind.PROJECT) if r.address.name == name), None)
    if project is None:
        return None
    document: dict[str, Any] = {"kind": "Project", "name": name}
    if project.attrs.get("max_pods", d.DEFAULT_MAX_PODS) != d.DEFAULT_MAX_PODS:
        document["max_pods"] = project.attrs["max_pods"]
    if project.attrs.get("force_encryption_with_cmek"):
        document["force_encryption_with_cmek"] = True
    inside = [
        r for r in live if r.address.project == name and r.kind is not Kind.PROJECT and _visible(live, r)
    ]
    schedules: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(inside, key=_key):
        if r.kind is Kind.BACKUP_SCHEDULE:
            schedules.setdefault(str(r.address.index_name), []).append(_backup_schedule(r.attrs))
    indexes = [
        _index(r.attrs, settings, schedules.get(r.address.name))
        for r in sorted(inside, key=_key)
        if r.kind is Kind.INDEX
    ]
    keys = [_api_key(r.attrs) for r in sorted(inside, key=_key) if r.kind is Kind.API_KEY]
    bindings = [_binding(r) for r in sorted(inside, key=_key) if r.kind is Kind.ROLE_BINDING]
    if indexes:
        document["indexes"] = indexes
    if keys:
        document["api_keys"] = keys
    if bindings:
        document["role_bindings"] = bindings
    return document


def _organization_document(live: State) -> dict[str, Any]:
    document: dict[str, Any] = {"kind": "Organization"}
    accounts = [
        {"name": r.attrs["name"]}
        for r in sorted(live.of_kind(Kind.SERVICE_ACCOUNT), key=_key)
        if _visible(live, r)
    ]
    bindings = [
        _binding(r)
        for r in sorted(live.of_kind(Kind.ROLE_BINDING), key=_key)
        if r.address.project is None and _visible(live, r)
    ]
    if accounts:
        document["service_accounts"] = accounts
    if bindings:
        document["role_bindings"] = bindings
    return document


def _key(resource: Resource) -> str:
    return str(resource.address)


def _binding(resource: Resource) -> dict[str, str]:
    principal_type, principal, role = resource.address.role_binding_parts()
    key = "service_account" if principal_type is PrincipalType.SERVICE_ACCOUNT else "user"
    return {key: principal, "role": role}


def _api_key(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": attrs["name"], "roles": list(attrs["roles"])}


def _backup_schedule(attrs: Mapping[str, Any]) -> dict[str, Any]:
    entry = {key: attrs[key] for key in ("name", "frequency", "retain_days")}
    if attrs["enabled"] != d.DEFAULT_SCHEDULE_ENABLED:
        entry["enabled"] = attrs["enabled"]
    return entry


def _index(
    attrs: Mapping[str, Any], settings: Settings, schedules: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An index in the shortest spelling that normalizes back to exactly the same attrs.

    Its `backup_schedules` are written when it has any: the exported config then owns them.
    """
    entry: dict[str, Any] = {"name": attrs["name"]}
    # Each part in the first sugar form that says it without loss, else in its canonical form.
    fields = attrs["schema"]["fields"]
    entry.update(
        resugared(FIELDS, fields)
        or {"schema": {"fields": {name: _schema_field(field) for name, field in fields.items()}}}
    )
    entry.update(resugared(DEPLOYMENT, attrs["deployment"]) or {"deployment": dict(attrs["deployment"])})
    if attrs.get("deletion_protection", d.DEFAULT_DELETION_PROTECTION) != d.DEFAULT_DELETION_PROTECTION:
        entry["deletion_protection"] = attrs["deletion_protection"]
    tags = {k: v for k, v in attrs.get("tags", {}).items() if k != settings.ownership_tag_key}
    if tags:
        entry["tags"] = tags
    read_capacity = attrs.get("read_capacity")
    if read_capacity is not None and dict(read_capacity) != d.DEFAULT_READ_CAPACITY:
        entry["read_capacity"] = dict(read_capacity)
    if schedules:
        entry["backup_schedules"] = schedules
    return entry


def _schema_field(field: Mapping[str, Any]) -> dict[str, Any]:
    """A schema field with its `type` first, as a person would write it."""
    ordered = {"type": field["type"]} if "type" in field else {}
    ordered.update((key, value) for key, value in field.items() if key != "type")
    return ordered
