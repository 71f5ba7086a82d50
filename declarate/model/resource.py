"""Resource: one object of desired or live state, in canonical form, with where each value came from.

Pure data. `attrs` is the canonical JSON compared by the differ; `server` holds what only the live side
knows (ids, host, status) and is never diffed; `origins` maps attribute paths to YAML positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from declarate.model.address import Address, Kind
from declarate.model.canonical import fingerprint


@dataclass(frozen=True, order=True)
class Origin:
    """A position in a config file (1-based line and column)."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Directives:
    """Config-only instructions about one resource; never diffed, never sent to the API."""

    ignore_changes: tuple[str, ...] = ()  # attribute paths left to other owners
    allow_replace: bool = False  # data loss accepted for this index
    renamed_from: str | None = None  # `renamed_from: OLD`: the live object named OLD becomes this one
    keep_backup: bool = False  # an index rename keeps its temporary backup
    # The index lists `backup_schedules` (even `[]`): declarate owns all its schedules, so it reads
    # them and deletes the undeclared ones. Without the key, live schedules are left alone.
    backup_schedules: bool = False


_EMPTY: Mapping[str, Any] = MappingProxyType({})


# Server fields that change on their own while nothing about the object changes.
TRANSIENT_SERVER_FIELDS = frozenset({"status", "state"})


@dataclass(frozen=True)
class Resource:
    """One object of state. Treat `attrs` and `server` as immutable."""

    address: Address
    attrs: Mapping[str, Any]
    origins: Mapping[str, Origin] = field(default_factory=lambda: _EMPTY, compare=False)
    directives: Directives = field(default_factory=Directives, compare=False)
    server: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)
    # How the config spelled attribute paths: (canonical prefix, written prefix) pairs, e.g.
    # ("schema.fields._values.dimension", "dimension") or ("deployment", "spec.serverless").
    spellings: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def kind(self) -> Kind:
        return self.address.kind

    @property
    def origin(self) -> Origin | None:
        """Where the resource itself is declared ('' path), if it was declared."""
        return self.origins.get("")

    def origin_of(self, path: str) -> Origin | None:
        """The closest declared position for an attribute path (walking up to the resource)."""
        while True:
            if path in self.origins:
                return self.origins[path]
            if not path:
                return None
            path = path.rpartition(".")[0]

    def written(self, path: str) -> bool:
        """True when the config wrote this exact attribute path (not a default filled in for it)."""
        return bool(path) and path in self.origins

    def spelled(self, path: str) -> str:
        """The attribute path in the config's own words: the longest matching spelling prefix swapped in."""
        best: tuple[str, str] | None = None
        for canonical, written in self.spellings:
            if (path == canonical or path.startswith(canonical + ".")) and (
                best is None or len(canonical) > len(best[0])
            ):
                best = (canonical, written)
        if best is None:
            return path
        return best[1] + path[len(best[0]) :]

    def fingerprint(self) -> str:
        """Digest of what the object is: its attrs and server identity (id, host).

        Transient status (an index going from Initializing to Ready) is left out, so a saved plan
        does not go stale merely because an index finished starting.
        """
        identity = {k: v for k, v in self.server.items() if k not in TRANSIENT_SERVER_FIELDS}
        return fingerprint({"attrs": dict(self.attrs), "server": identity})
