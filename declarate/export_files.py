"""Writing an export to disk: every file or none, and never over an existing file unless forced.

A blind overwrite would lose hand-written config (comments, `prune`, descriptions), so existing
files are refused as a whole before anything is written. It never renders config (render/export.py
does) and never prints: the cli reports each written path and the refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from declarate.errors import DeclarateError, ExportWouldOverwrite


class ExportRefused(DeclarateError):
    """The export would overwrite files, or a file cannot be written; says which."""


def write_export(
    output: Path, files: Mapping[str, str], *, force: bool, written: Callable[[Path], None]
) -> None:
    """Write `files` (relative path -> text) under `output`; `written` is told each path.

    Raises ExportWouldOverwrite, having written nothing, when a file exists and `force` is false.
    """
    existing = [output / relative for relative in files if (output / relative).exists()]
    if existing and not force:
        raise ExportWouldOverwrite([str(path) for path in existing])
    for relative, text in files.items():
        path = output / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ExportRefused(f"cannot write {path}: {exc.strerror or exc}") from None
        written(path)
