"""Small builders of realistic desired and live States for engine tests.

Attributes go through `declarate.model.canonical`, as config normalization and the provider do, so
what the tests plan over looks like what the engine meets in use. Desired resources carry YAML
origins (every leaf on its own line); live ones carry none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from declarate.model.address import Address, PrincipalType
from declarate.model.canonical import (
    canonical_api_key,
    canonical_backup_schedule,
    canonical_index,
    canonical_project,
    canonical_role_binding,
    canonical_service_account,
)
from declarate.model.resource import Directives, Origin, Resource
from declarate.model.settings import Overrides, Settings
from declarate.model.state import ScopeDirectives, State, scope_of

SETTINGS = Settings()
OWNED = {"managed-by": "declarate"}
NO_OVERRIDES = Overrides()


def _origins(file: str, line: int, attrs: Mapping[str, Any]) -> dict[str, Origin]:
    """A position for the resource and one line per leaf, the way the loader records them."""
    origins = {"": Origin(file, line)}
    counter = line

    def walk(value: Any, path: str) -> None:
        nonlocal counter
        counter += 1
        origins[path] = Origin(file, counter, 3)
        if isinstance(value, Mapping):
            for key in sorted(value):
                walk(value[key], f"{path}.{key}")

    for key in sorted(attrs):
        walk(attrs[key], key)
    return origins


def _resource(
    address: Address, attrs: dict[str, Any], line: int, directives: Directives | None = None
) -> Resource:
    file = f"projects/{address.project}.yaml" if address.project else "organization.yaml"
    return Resource(address, attrs, _origins(file, line, attrs), directives or Directives())


def project(name: str = "a", *, max_pods: int = 0, cmek: bool = False, line: int = 1) -> Resource:
    attrs = canonical_project({"name": name, "max_pods": max_pods, "force_encryption_with_cmek": cmek})
    return _resource(Address.project_(name), attrs, line)


def index(
    project: str = "a",
    name: str = "recs",
    *,
    dimension: int = 8,
    metric: str = "cosine",
    tags: Mapping[str, str] | None = None,
    protection: str = "disabled",
    read_capacity: Mapping[str, Any] | None = None,
    deployment: Mapping[str, Any] | None = None,
    ignore_changes: Iterable[str] = (),
    allow_replace: bool = False,
    backup_schedules: bool = False,
    line: int = 10,
) -> Resource:
    attrs = canonical_index(
        {
            "name": name,
            "schema": {
                "fields": {"_values": {"type": "dense_vector", "dimension": dimension, "metric": metric}}
            },
            "deployment": deployment,
            "read_capacity": read_capacity,
            "deletion_protection": protection,
            "tags": dict(tags or {}),
        }
    )
    directives = Directives(
        ignore_changes=tuple(ignore_changes), allow_replace=allow_replace, backup_schedules=backup_schedules
    )
    return _resource(Address.index(project, name), attrs, line, directives)


def backup_schedule(
    project: str = "a",
    index: str = "recs",
    name: str = "nightly",
    *,
    frequency: str = "daily",
    retain_days: int = 7,
    enabled: bool = True,
    line: int = 20,
) -> Resource:
    attrs = canonical_backup_schedule(
        {"name": name, "frequency": frequency, "retain_days": retain_days, "enabled": enabled}
    )
    return _resource(Address.backup_schedule(project, index, name), attrs, line)


def owned(resource: Resource) -> Resource:
    """The same index carrying the ownership tag, as declarate leaves it live."""
    tags = {**resource.attrs["tags"], **OWNED}
    return dataclasses.replace(resource, attrs={**resource.attrs, "tags": dict(sorted(tags.items()))})


def api_key(
    project: str = "a", name: str = "svc", *, roles: Iterable[str] = ("ProjectEditor",), line: int = 30
) -> Resource:
    return _resource(
        Address.api_key(project, name), canonical_api_key({"name": name, "roles": list(roles)}), line
    )


def service_account(name: str = "ci", *, line: int = 1) -> Resource:
    return _resource(Address.service_account(name), canonical_service_account({"name": name}), line)


def binding(
    project: str | None = "a",
    principal: str = "ci",
    role: str = "ProjectViewer",
    *,
    principal_type: PrincipalType = PrincipalType.SERVICE_ACCOUNT,
    line: int = 40,
) -> Resource:
    address = Address.role_binding(project, principal_type, principal, role)
    attrs = canonical_role_binding(project, principal_type.value, principal, role)
    return _resource(address, attrs, line)


def org_binding(principal: str = "ci", role: str = "OrgMember", **kwargs: Any) -> Resource:
    return binding(None, principal, role, **kwargs)


def desired_state(
    *resources: Resource,
    directives: Mapping[str, ScopeDirectives] | None = None,
    scopes: Iterable[str] = (),
) -> State:
    """Declared resources; their scopes, and those given directives, are the declared scopes."""
    declared = {scope_of(r.address) for r in resources} | set(scopes) | set(directives or {})
    return State.of(list(resources), declared, directives)


def live_state(
    *resources: Resource,
    scopes: Iterable[str] | None = None,
    protected: Iterable[Address] = (),
) -> State:
    """Live resources, without origins or directives; read whole: their scopes unless `scopes` is given."""
    bare = [dataclasses.replace(r, origins={}, directives=Directives()) for r in resources]
    read = {scope_of(r.address) for r in resources} if scopes is None else set(scopes)
    return State.of(bare, read, protected=frozenset(protected))


def actions(changes: Iterable[Any]) -> list[tuple[str, str]]:
    """(address, action) pairs, the shape most assertions read best in."""
    return [(str(c.address), c.action.value) for c in changes]
