"""Which environment a command loads config for: the one selected, every one (validate), or a refusal.

With environments declared in declarate.yaml and none selected (`--env`, `DECLARATE_ENV`), a command
that reads live state must not guess: it is refused with the list. `validate` instead loads each
environment and reports every diagnostic once, naming the environments it holds in. A refusal is
a diagnostic; an undeclared environment for a saved plan raises TargetError. Never prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from declarate.config.environments import per_environment
from declarate.config.pipeline import LoadedConfig, declared_environments, load_config
from declarate.diagnostics import Diagnostic
from declarate.errors import TargetError
from declarate.model.settings import Settings
from declarate.model.state import State


def load_selected(
    roots: Sequence[str | Path], environ: Mapping[str, str], name: str | None, *, every: bool = False
) -> LoadedConfig:
    """The config for environment `name`; with none named, for each declared one when `every`."""
    names = [e.name for e in declared_environments(roots, environ)] if name is None else []
    if names and not every:
        refusal = Diagnostic(
            None,
            "",
            f"declarate.yaml declares environments ({', '.join(names)}): this command needs one",
            "environment.required",
            hint="choose one with --env NAME or DECLARATE_ENV",
        )
        return LoadedConfig(State(), Settings(), [refusal], [], "", [])  # nothing loaded: nothing may be sent
    chosen: list[str | None] = [*names] if names else [name]
    loads = [load_config(roots, environ, environment=n) for n in chosen]
    if not names:
        return loads[0]
    found = per_environment({n: load.diagnostics for n, load in zip(names, loads, strict=True)})
    return dataclasses.replace(loads[0], diagnostics=found)


def saved_plan_settings(name: str | None, environ: Mapping[str, str]) -> Settings | None:
    """For `apply PLAN.json --env NAME`: that environment of ./declarate.yaml (target, credentials).

    Without --env: None. A plan made in an environment names it in its target, so applying it
    without the same environment is refused by the target check.
    """
    if name is None:
        return None
    declared = declared_environments(["."], environ)
    chosen = next((e for e in declared if e.name == name), None)
    if chosen is None:
        names = ", ".join(e.name for e in declared) or "none"
        raise TargetError(f"environment {name!r} is not declared in ./declarate.yaml (declared: {names})")
    return Settings(environment=chosen)
