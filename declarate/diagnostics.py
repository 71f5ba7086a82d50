"""Diagnostics: every user mistake as data with a position and a fix. Collected, never raised.

The config layers (loader, schema, rules, normalize) each return a list of Diagnostics, so one run
reports every problem of every file. Rendering to text or GitHub annotations lives in `render/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from declarate.model.resource import Origin


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One problem in the config.

    `path` is the location inside the document in JSONPath-like form (`indexes[0].dimension`), `code`
    a stable identifier (`schema.unknown_key`, `rules.duplicate_name`, ...), and `hint` a suggested fix
    such as "did you mean 'dimension'?".
    """

    origin: Origin | None
    path: str
    message: str
    code: str
    severity: Severity = Severity.ERROR
    hint: str | None = None

    def __lt__(self, other: Diagnostic) -> bool:
        return sort_key(self) < sort_key(other)

    def __str__(self) -> str:
        where = str(self.origin) if self.origin else "<config>"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Only the errors, in file and line order."""
    return sorted((d for d in diagnostics if d.severity is Severity.ERROR), key=sort_key)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    """File and line order; diagnostics without a position (e.g. an empty config) come first."""
    origin = diagnostic.origin
    if origin is None:
        return ("", 0, 0, diagnostic.path, diagnostic.message)
    return (origin.file, origin.line, origin.column, diagnostic.path, diagnostic.message)


class ConfigError(Exception):
    """Raised at the boundary (cli) when config has errors; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} configuration error(s)")
        self.diagnostics = diagnostics
