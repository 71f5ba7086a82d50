"""Workspace settings (`declarate.yaml`): ownership tag, safety thresholds and policies. Pure data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from declarate.model import defaults as d
from declarate.model.resource import Origin


@dataclass(frozen=True)
class Policies:
    """Built-in policy rules; a violation blocks the plan."""

    # Indexes whose tags include all of these must have deletion protection enabled ({} = every index).
    require_deletion_protection: Mapping[str, str] | None = None
    forbid_roles: tuple[str, ...] = ()  # roles no API key may hold
    max_indexes_per_project: int | None = None

    def requires_deletion_protection(self, tags: Mapping[str, str]) -> bool:
        """True when an index carrying `tags` (the ownership tag included) must be protected."""
        wanted = self.require_deletion_protection
        return wanted is not None and all(tags.get(k) == v for k, v in wanted.items())

    def forbidden_roles_in(self, roles: Iterable[str]) -> list[str]:
        """The roles of `roles` that no API key may hold, sorted."""
        return sorted(set(self.forbid_roles).intersection(roles))


@dataclass(frozen=True)
class PinnedTarget:
    """The API a workspace pins its commands to (`target: {api_url}` in declarate.yaml)."""

    api_url: str
    origin: Origin | None = None  # where declarate.yaml says so, for messages


@dataclass(frozen=True)
class Safety:
    """Mass-deletion thresholds (`safety:` in declarate.yaml), counted per kind and scope."""

    # Deleting more than this fraction of a kind's owned objects is blocked...
    max_delete_fraction: float = d.DEFAULT_MAX_DELETE_FRACTION
    # ...when the kind has at least this many owned objects (a fraction of 3 objects means little).
    min_existing: int = d.DEFAULT_MIN_EXISTING
    # Deleting every owned object of a kind is blocked when there are at least this many (0: never).
    delete_all_min_existing: int = d.DEFAULT_DELETE_ALL_MIN_EXISTING


@dataclass(frozen=True)
class Environment:
    """One environment of the workspace (`environments:` in declarate.yaml): where and with what it runs.

    `values` are the scalars `${values.NAME}` reads; `overlays` the config paths layered over the base
    (relative to declarate.yaml's folder). Credential variable names are names, never values.
    """

    name: str
    target: PinnedTarget | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    overlays: tuple[str, ...] = ()
    origin: Origin | None = None  # where declarate.yaml declares it


@dataclass(frozen=True)
class Settings:
    ownership_tag_key: str = d.DEFAULT_OWNERSHIP_TAG[0]
    ownership_tag_value: str = d.DEFAULT_OWNERSHIP_TAG[1]
    safety: Safety = field(default_factory=Safety)
    policies: Policies = field(default_factory=Policies)
    secrets_dir: str | None = None  # overrides the default `.declarate/secrets`
    target: PinnedTarget | None = None  # None: chosen by flags and environment
    environments: tuple[Environment, ...] = ()  # as declared, in order
    environment: Environment | None = None  # the one this config was loaded for

    @property
    def pinned(self) -> PinnedTarget | None:
        """The target the selected environment pins, else the workspace's."""
        if self.environment is not None and self.environment.target is not None:
            return self.environment.target
        return self.target

    @property
    def ownership_tag(self) -> Mapping[str, str]:
        return MappingProxyType({self.ownership_tag_key: self.ownership_tag_value})


@dataclass(frozen=True)
class Overrides:
    """Per-run overrides of safety rules, from the command line."""

    allow_replace: frozenset[str] = frozenset()  # addresses
    allow_mass_delete: bool = False
    only: tuple[str, ...] = ()  # address prefixes; empty = everything
    # Indexes the data-loss rule lets be deleted or replaced although they hold records (DESIGN §9.1).
    allow_delete: frozenset[str] = frozenset()
