"""Environments: the `environments:` section of the Workspace document -> `model.settings.Environment`s.

Each environment names its target, the variables holding its service account's credentials, the
values `${values.NAME}` reads and the overlay paths layered over the base config. The JSON Schema
checks the shapes; this module reads what passed (skipping what did not) and picks the selected
environment. It never reads files or variables' values: credential variables are kept as names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from declarate.config.document import SourceDocument
from declarate.config.normalize import mapping
from declarate.diagnostics import Diagnostic
from declarate.model.settings import Environment, PinnedTarget

_SCALARS = (str, int, float, bool)


def environments_of(workspace: SourceDocument | None) -> tuple[Environment, ...]:
    """The environments a Workspace document declares, in the order written ((): none, or no Workspace)."""
    if workspace is None or not isinstance(workspace.data, dict):
        return ()
    found: list[Environment] = []
    for name, spec in mapping(workspace.data.get("environments")).items():
        if not isinstance(name, str) or not isinstance(spec, dict):
            continue
        path = ("environments", name)
        url = mapping(spec.get("target")).get("api_url")
        credentials = mapping(spec.get("credentials"))
        overlays = spec.get("overlays")
        found.append(
            Environment(
                name=name,
                target=PinnedTarget(url, workspace.origin((*path, "target", "api_url")))
                if isinstance(url, str) and url
                else None,
                client_id_env=_text(credentials.get("client_id_env")),
                client_secret_env=_text(credentials.get("client_secret_env")),
                values={
                    key: value
                    for key, value in mapping(spec.get("values")).items()
                    if isinstance(key, str) and (value is None or isinstance(value, _SCALARS))
                },
                overlays=tuple(o for o in overlays if isinstance(o, str) and o)
                if isinstance(overlays, list)
                else (),
                origin=workspace.key_origin(path),
            )
        )
    return tuple(found)


def per_environment(found: dict[str, list[Diagnostic]]) -> list[Diagnostic]:
    """The diagnostics of several environments' loads, each once, saying in which environments it holds."""
    where: dict[Diagnostic, list[str]] = {}
    for name, diagnostics in found.items():
        for d in diagnostics:
            where.setdefault(d, []).append(name)
    return [replace(d, message=f"{_label(names, len(found))}: {d.message}") for d, names in where.items()]


def _label(names: list[str], every: int) -> str:
    if len(names) == every > 1:
        return "in every environment"
    return f"in environment{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
