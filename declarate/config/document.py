"""SourceDocument: one YAML document as plain data plus the position of every node.

The loader produces these; schema validation, rules and normalization consume them. Paths are tuples
of mapping keys and list indexes, e.g. ("indexes", 0, "dimension").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from declarate.model.resource import Origin

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDocument:
    file: str  # as the user would type it: relative to the working directory when possible
    index: int  # 0-based position of the document in its file
    data: Any  # plain Python values (dict, list, str, int, float, bool, None), after interpolation
    positions: Mapping[Path, Origin] = field(default_factory=dict)  # value node positions
    key_positions: Mapping[Path, Origin] = field(default_factory=dict)  # mapping-key positions
    root: str = "."  # the -f root this file was found under
    patched_by: tuple[Origin, ...] = ()  # where each overlay document merged into this one starts

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind") if isinstance(self.data, dict) else None
        return kind if isinstance(kind, str) else None

    def origin(self, path: Path = ()) -> Origin:
        """The position of `path`, or of its nearest ancestor that has one (at worst the document)."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Origin(self.file, 1, 1))

    def key_origin(self, path: Path) -> Origin:
        """The position of the key naming `path` (better for 'unknown key' errors), else the value's."""
        return self.key_positions.get(path) or self.origin(path)


def format_path(path: Path) -> str:
    """("indexes", 0, "dimension") -> "indexes[0].dimension"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
