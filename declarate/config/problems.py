"""Problems at document nodes: how every config check turns a finding into a positioned Diagnostic.

Shared by the rule modules and the workspace reader so each finding names its file:line:column and its
path in the same way. It decides nothing about what is wrong.
"""

from __future__ import annotations

from difflib import get_close_matches

from declarate.config.document import Path, SourceDocument, format_path
from declarate.diagnostics import Diagnostic, Severity


def diagnostic(
    doc: SourceDocument,
    path: Path,
    message: str,
    code: str,
    *,
    hint: str | None = None,
    on_key: bool = False,
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    """A Diagnostic at the node `path` of `doc` (at its key when `on_key`, e.g. for a conflicting key)."""
    origin = doc.key_origin(path) if on_key else doc.origin(path)
    return Diagnostic(origin, format_path(path), message, code, severity, hint)


def did_you_mean(found: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """ "did you mean 'X'?" for the closest choice, or None when nothing is close."""
    close = get_close_matches(found, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else None
