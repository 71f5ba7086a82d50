"""Which environment a saved plan is applied in: `apply PLAN.json --env NAME` reads no config, only
that environment of ./declarate.yaml (its target and credentials).

Loading config for an environment (or every one, or refusing to guess) is `pipeline.load_config`'s.
An undeclared environment raises TargetError. Never prints.
"""

from __future__ import annotations

from collections.abc import Mapping

from declarate.config.pipeline import declared_environments
from declarate.errors import TargetError
from declarate.model.settings import Settings


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
