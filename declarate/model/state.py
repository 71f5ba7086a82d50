"""State: a set of resources keyed by address. Desired state and live state are the same type.

Desired state also carries the scope-level directives of the config (ensure: absent or unmanaged,
prune, api_key_env) and the objects it declares `ensure: unmanaged` (which are not desired: declarate
lets go of them); live state carries which scopes were read whole and which objects are declarate's own
(its principal's bindings, its temporary keys), which no plan may touch. Pure data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from declarate.model.address import ORGANIZATION, Address, Kind
from declarate.model.resource import Origin, Resource


@dataclass(frozen=True)
class ScopeDirectives:
    """What a Project (or the Organization) document says about its scope as a whole."""

    ensure_absent: bool = False  # `ensure: absent`: delete the project and what declarate owns in it
    unmanaged: bool = False  # `ensure: unmanaged`: let go of the project and of everything in it
    prune_api_keys: bool = False
    prune_role_bindings: bool = False
    prune_service_accounts: bool = False
    api_key_env: str | None = None  # env var holding a project key, instead of a temporary key
    origin: Origin | None = None


# What a scope without directives says; shared (it is frozen): a plan asks about 10,000 times.
NO_DIRECTIVES = ScopeDirectives()


@dataclass(frozen=True)
class State:
    """Resources by address, and the scopes (`organization`, `project/NAME`) this state speaks for.

    For live state, `scopes` are the scopes that were read whole: an object missing from a scope
    that was not read whole is unknown, never absent. For desired state they are the declared ones.
    """

    resources: Mapping[Address, Resource] = field(default_factory=lambda: MappingProxyType({}))
    scopes: frozenset[str] = frozenset()
    directives: Mapping[str, ScopeDirectives] = field(default_factory=lambda: MappingProxyType({}))
    protected: frozenset[Address] = frozenset()  # live only: never updated or deleted
    # Desired only: the objects the config declares `ensure: unmanaged`, with where it says so. They are
    # not resources of desired state: declarate removes its ownership mark (an index's tag) and then
    # reports them as unmanaged, never deleting them.
    unmanaged: Mapping[Address, Origin] = field(default_factory=lambda: MappingProxyType({}))
    # Desired only: the indexes the config declares `ensure: absent`, with where it says so. Not
    # resources either: declarate deletes them if it owns them, and the data-loss rule lets them go.
    absent: Mapping[Address, Origin] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(
        cls,
        resources: list[Resource] | tuple[Resource, ...],
        scopes: frozenset[str] | set[str] = frozenset(),
        directives: Mapping[str, ScopeDirectives] | None = None,
        protected: frozenset[Address] | set[Address] = frozenset(),
        unmanaged: Mapping[Address, Origin] | None = None,
        absent: Mapping[Address, Origin] | None = None,
    ) -> State:
        return cls(
            resources=MappingProxyType({r.address: r for r in resources}),
            scopes=frozenset(scopes),
            directives=MappingProxyType(dict(directives or {})),
            protected=frozenset(protected),
            unmanaged=MappingProxyType(dict(unmanaged or {})),
            absent=MappingProxyType(dict(absent or {})),
        )

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    def __contains__(self, address: object) -> bool:
        return address in self.resources

    def get(self, address: Address) -> Resource | None:
        return self.resources.get(address)

    def of_kind(self, kind: Kind) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind is kind]

    def in_scope(self, scope: str) -> list[Resource]:
        """Resources owned by `scope` (a project's own resource included in its scope)."""
        return [r for r in self.resources.values() if scope_of(r.address) == scope]

    def projects(self) -> list[str]:
        return sorted(r.address.name for r in self.of_kind(Kind.PROJECT))

    def directives_for(self, scope: str) -> ScopeDirectives:
        return self.directives.get(scope, NO_DIRECTIVES)


def scope_of(address: Address) -> str:
    """`project/NAME` for a project and everything in it; `organization` for the rest."""
    if address.kind is Kind.PROJECT:
        return f"project/{address.name}"
    return address.scope if address.project is not None else ORGANIZATION
