"""Config diagnostics for a terminal (one line per problem, errors first, then a count) and as JSON.

Each line reads `file:line:col: path: message (hint)` (the Diagnostic's own text) with its severity and
code, so editors and people can jump to it. The JSON form carries the same fields, one object per
diagnostic, for tools. It must not filter, fix or reword diagnostics, and must not print.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from declarate.diagnostics import Diagnostic, Severity
from declarate.render.escape import printable
from declarate.render.style import Painter, Style


def render_diagnostics_text(diagnostics: Sequence[Diagnostic], *, color: bool) -> str:
    """Errors then warnings, each in file and line order, and `N errors, M warnings in K files.`"""
    paint = Painter(color)
    ordered = sorted(diagnostics, key=_order)
    lines = [diagnostic_line(d, paint) for d in ordered]
    n_errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    n_warnings = len(diagnostics) - n_errors
    files = {d.origin.file for d in diagnostics if d.origin is not None}  # counted, never shown
    # Only problems of the whole config (`<config>`, no file): "in 0 files" would read as none read.
    where = f" in {_count(len(files), 'file')}" if files else ""
    total = f"{_count(n_errors, 'error')}, {_count(n_warnings, 'warning')}{where}."
    lines.append(paint(total, Style.ERROR if n_errors else Style.WARNING if n_warnings else Style.OK))
    return "\n".join(lines)


def diagnostic_line(diagnostic: Diagnostic, paint: Painter) -> str:
    """`file:line:col: path: message (hint)  [error: code]`."""
    style = Style.ERROR if diagnostic.severity is Severity.ERROR else Style.WARNING
    tag = paint(f"[{diagnostic.severity.value}: {diagnostic.code}]", style)
    return f"{printable(str(diagnostic))}  {tag}"


def _order(diagnostic: Diagnostic) -> tuple[int, int, str, int, int, str]:
    """Errors before warnings; then by position, diagnostics without one last."""
    severity = 0 if diagnostic.severity is Severity.ERROR else 1
    origin = diagnostic.origin
    if origin is None:
        return (severity, 1, "", 0, 0, diagnostic.path)
    return (severity, 0, origin.file, origin.line, origin.column, diagnostic.path)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def render_diagnostics_json(diagnostics: Sequence[Diagnostic], **summary: Any) -> str:
    """`{"valid", "errors", "warnings", "diagnostics": [{file, line, column, path, severity, code,
    message, hint}]}` in the text's order; `summary` adds fields (e.g. documents and files counted).

    A diagnostic without a position (an empty config) has null file, line and column.
    """
    ordered = sorted(diagnostics, key=_order)
    n_errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    document: dict[str, Any] = {
        "valid": n_errors == 0,
        "errors": n_errors,
        "warnings": len(diagnostics) - n_errors,
        **summary,
        "diagnostics": [_as_json(d) for d in ordered],
    }
    return json.dumps(document, indent=2)


def _as_json(diagnostic: Diagnostic) -> dict[str, Any]:
    origin = diagnostic.origin
    return {
        "file": origin.file if origin else None,
        "line": origin.line if origin else None,
        "column": origin.column if origin else None,
        "path": diagnostic.path,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }
