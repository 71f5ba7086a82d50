"""Overlays: an environment's config documents patched over the base documents, by identity.

`merge_overlays(base, overlays)` is a pure function: documents in, documents and problems out. Each
overlay document patches the base document of the same identity (a Project by its name, the
Organization and the Workspace by their kind): mappings merge key by key, scalars and unnamed lists
replace, `null` removes a key, and the named lists merge item by item on `name` (an index the base
project lacks is an error, as a misspelt name would otherwise add a broken index; other named lists
may add items). An overlay whose identity the base lacks is an error at the overlay's line.

Positions follow the values: a merged document keeps the base position of every base value and the
overlay position of every overlaid one, so diagnostics and plan `file:line` point at the line that
wrote the value. This module is the one place that knows document and list identities; it never reads
files and never validates values (the schema and rules do that on the merged documents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.problems import diagnostic
from declarate.diagnostics import Diagnostic
from declarate.model.resource import Origin

# The lists whose items are identified by `name`, per document kind (top-level keys of the document).
NAMED_LISTS: Mapping[str, tuple[str, ...]] = {
    "Project": ("indexes", "api_keys"),
    "Organization": ("service_accounts",),
}
# Named lists nested in a named item, as paths with `*` for any item: an index's backup schedules.
NESTED_NAMED_LISTS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "Project": (("indexes", "*", "backup_schedules"),),
}
# Named lists whose items must already exist in the base: an overlay only patches them.
PATCH_ONLY_LISTS: Mapping[str, tuple[str, ...]] = {"Project": ("indexes",)}
_SINGLETONS = ("Organization", "Workspace")


def identity(doc: SourceDocument) -> str | None:
    """`project 'search'`, `Organization`, `Workspace`; None when the document names no identity."""
    kind = doc.kind
    if kind in _SINGLETONS:
        return kind
    if kind == "Project" and isinstance(doc.data, dict):
        name = doc.data.get("name")
        if isinstance(name, str):
            return f"project {name!r}"
    return None


def merge_overlays(
    base: Sequence[SourceDocument], overlays: Sequence[SourceDocument]
) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """`base` with every overlay document applied in order, and the overlays that could not apply."""
    merged = list(base)
    where = {key: i for i, doc in reversed(list(enumerate(merged))) if (key := identity(doc)) is not None}
    found: list[Diagnostic] = []
    for overlay in overlays:
        key = identity(overlay)
        if key is None:
            found.append(
                diagnostic(
                    overlay,
                    ("name",) if overlay.kind == "Project" else ("kind",),
                    "an overlay document must be a Project with a name, the Organization or the Workspace",
                    "overlay.identity",
                    hint="an overlay patches the base document of the same kind and name",
                )
            )
            continue
        if key not in where:
            found.append(
                diagnostic(
                    overlay,
                    ("name",) if overlay.kind == "Project" else ("kind",),
                    f"this overlay patches {key}, which the base config does not declare",
                    "overlay.no_base",
                    hint="declare it in the base config, or fix the name",
                )
            )
            continue
        patched, problems = merge_document(merged[where[key]], overlay)
        merged[where[key]] = patched
        found.extend(problems)
    return merged, found


def merge_document(base: SourceDocument, overlay: SourceDocument) -> tuple[SourceDocument, list[Diagnostic]]:
    """`base` patched by `overlay` (documents of the same identity), with positions following values."""
    merge = _Merge(base, overlay)
    data = merge.value(base.data, (), overlay.data, (), ())
    patched = replace(
        base,
        data=data,
        positions=merge.positions,
        key_positions=merge.key_positions,
        patched_by=(*base.patched_by, overlay.origin(())),
    )
    return patched, merge.found


class _Merge:
    """One base document patched by one overlay: the merged value, its positions and the problems."""

    def __init__(self, base: SourceDocument, overlay: SourceDocument) -> None:
        self.base, self.overlay = base, overlay
        self.kind = base.kind or ""
        self.positions: dict[Path, Origin] = {}
        self.key_positions: dict[Path, Origin] = {}
        self.found: list[Diagnostic] = []

    def value(self, old: Any, old_path: Path, new: Any, new_path: Path, out: Path) -> Any:
        """The merge of the base node `old` and the overlay node `new`, placed at `out`."""
        if isinstance(old, dict) and isinstance(new, dict):
            return self._mapping(old, old_path, new, new_path, out)
        if self._is_named_list(out) and isinstance(old, list) and isinstance(new, list):
            return self._named_list(old, old_path, new, new_path, out)
        if _same_scalar(
            old, new
        ):  # an identity (kind, name) or a repeated value stays where the base wrote it
            return self.take(self.base, old, old_path, out)
        return self.take(self.overlay, new, new_path, out)

    def take(self, doc: SourceDocument, value: Any, path: Path, out: Path) -> Any:
        """`value` (at `path` of `doc`) as is, its positions re-rooted at `out`."""
        if path in doc.positions:
            self.positions[out] = doc.positions[path]
        if path in doc.key_positions:
            self.key_positions[out] = doc.key_positions[path]
        if isinstance(value, dict):
            return {k: self.take(doc, v, (*path, k), (*out, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.take(doc, v, (*path, i), (*out, i)) for i, v in enumerate(value)]
        return value

    def _mapping(
        self, old: dict[str, Any], old_path: Path, new: dict[str, Any], new_path: Path, out: Path
    ) -> dict[str, Any]:
        self._here(old_path, out)
        result: dict[str, Any] = {}
        for key, value in old.items():
            if key not in new:
                result[key] = self.take(self.base, value, (*old_path, key), (*out, key))
            elif new[key] is not None:  # null removes the key
                result[key] = self.value(value, (*old_path, key), new[key], (*new_path, key), (*out, key))
        for key, value in new.items():
            if key not in old and value is not None:
                result[key] = self.take(self.overlay, value, (*new_path, key), (*out, key))
        return result

    def _is_named_list(self, out: Path) -> bool:
        if len(out) == 1:
            return out[0] in NAMED_LISTS.get(self.kind, ())
        return any(
            len(pattern) == len(out) and all(p in ("*", part) for p, part in zip(pattern, out, strict=True))
            for pattern in NESTED_NAMED_LISTS.get(self.kind, ())
        )

    def _named_list(
        self, old: list[Any], old_path: Path, new: list[Any], new_path: Path, out: Path
    ) -> list[Any]:
        self._here(old_path, out)
        result = [self.take(self.base, item, (*old_path, i), (*out, i)) for i, item in enumerate(old)]
        names = {item["name"]: i for i, item in reversed(list(enumerate(old))) if _name(item) is not None}
        for j, item in enumerate(new):
            name = _name(item)
            at: Path = (*new_path, j)
            if name is None:
                self.found.append(
                    diagnostic(
                        self.overlay,
                        at,
                        f"an item of {out[-1]} in an overlay needs a name: items are matched by name",
                        "overlay.unnamed",
                    )
                )
            elif name in names:
                i = names[name]
                result[i] = self.value(old[i], (*old_path, i), item, at, (*out, i))
            elif len(out) == 1 and out[0] in PATCH_ONLY_LISTS.get(self.kind, ()):
                self.found.append(
                    diagnostic(
                        self.overlay,
                        (*at, "name"),
                        f"this overlay patches index {name!r}, which the base project does not declare",
                        "overlay.no_base",
                        hint=_renamed_hint(old, name)
                        or "declare the index in the base config, or fix the name",
                    )
                )
            else:
                result.append(self.take(self.overlay, item, at, (*out, len(result))))
        return result

    def _here(self, base_path: Path, out: Path) -> None:
        """A container both sides hold stays where the base wrote it."""
        if base_path in self.base.positions:
            self.positions[out] = self.base.positions[base_path]
        if base_path in self.base.key_positions:
            self.key_positions[out] = self.base.key_positions[base_path]


def _same_scalar(old: Any, new: Any) -> bool:
    return not isinstance(old, dict | list) and type(old) is type(new) and old == new


def _renamed_hint(base: list[Any], name: str) -> str | None:
    """A hint for an overlay that names an index by the old name the base renames it from."""
    for item in base:
        if isinstance(item, dict) and item.get("renamed_from") == name and _name(item) is not None:
            return f"the base renames {name!r} to {_name(item)!r} (renamed_from): patch it under its new name"
    return None


def _name(item: Any) -> str | None:
    name = item.get("name") if isinstance(item, dict) else None
    return name if isinstance(name, str) else None
