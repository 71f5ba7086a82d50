"""Benchmark figures: the Figure record, the printed table and the saved JSON.

A figure is a measured number with the target it is held against (if any) and whether it met it.
This module formats and saves; it never measures and never decides a target.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT_VERSION = "1"


@dataclass(frozen=True)
class Figure:
    """One measured number. `target` says the goal in words; `met` is None when there is no goal."""

    scenario: str
    name: str
    value: float
    unit: str
    target: str | None = None
    met: bool | None = None


def held(
    scenario: str, name: str, value: float, unit: str, target: str, check: Callable[[float], bool]
) -> Figure:
    """A figure with a target: `check(value)` says whether it was met."""
    return Figure(scenario, name, value, unit, target, check(value))


def noted(scenario: str, name: str, value: float, unit: str) -> Figure:
    """A figure reported for context, with no target."""
    return Figure(scenario, name, value, unit)


def _value_text(figure: Figure) -> str:
    value = figure.value
    text = (
        f"{value:.0f}"
        if float(value).is_integer()
        else f"{value:.2f}"
        if abs(value) < 1000
        else f"{value:.0f}"
    )
    return f"{text} {figure.unit}".rstrip()


def table(figures: Sequence[Figure]) -> str:
    """A plain-text table: scenario, figure, value, target, met?"""
    rows = [("scenario", "figure", "value", "target", "met?")]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f.scenario, f.name, _value_text(f), f.target or "", met))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def save(
    path: Path, figures: Sequence[Figure], *, quick: bool, settings: dict[str, Any], notes: Sequence[str] = ()
) -> None:
    """Write the figures, grouped by scenario, with what was run, on what machine, and caveats."""
    scenarios: dict[str, list[dict[str, Any]]] = {}
    for figure in figures:
        entry = asdict(figure)
        del entry["scenario"]
        scenarios.setdefault(figure.scenario, []).append(entry)
    document = {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": _cpus(),
            # A busy machine slows every figure: the load says how busy it was when the run ended.
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "settings": settings,
        "all_targets_met": all(f.met is not False for f in figures),
        "scenarios": scenarios,
        "notes": list(notes),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
