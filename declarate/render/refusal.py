"""Why a command failed, in words: a stale saved plan (each object and what moved), one that re-planning does not reproduce,
targeting flags that name nothing, and any other DeclarateError.

The errors carry data (addresses, the saved and the recomputed values); this module is the one place
that words them. Values are masked by field name and shown as compact JSON; text that came from the
plan file is escaped before it reaches a terminal, since the file may be forged. It must not decide
anything: the comparison is `model.plan_diff`'s, the matching `engine.targeting`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from declarate.errors import (
    DeclarateError,
    ExportWouldOverwrite,
    PlanMismatch,
    PlanStale,
    Staleness,
    StaleObject,
    UnmatchedAddress,
    UnmatchedTargets,
)
from declarate.model.plan_diff import PlanDifference
from declarate.render.masking import mask_value, masked_sides
from declarate.render.presentation import format_value

VALUE_WIDTH = 80


# A stale-plan message names at most this many moved attributes per object.
STALE_PATHS_SHOWN = 5

_STALENESS: dict[Staleness, str] = {
    Staleness.DELETED: "was deleted since the plan was made",
    Staleness.CHANGED: "changed since the plan was made",
    Staleness.RECREATED: "changed since the plan was made: its attributes are as planned, but it was "
    "deleted and created again (its id or host changed)",
    Staleness.CREATED: "was created by someone else since the plan was made",
    Staleness.UNFINGERPRINTED: "has no fingerprint in the plan, though the plan changes it: the file was edited",
}


def error_message(error: DeclarateError) -> tuple[str, list[str]]:
    """What the cli prints after `Error: ` for a failed command, and the lines below it."""
    if isinstance(error, PlanStale):
        lines = [f"  - {stale_line(s)}" for s in error.stale]
        return "the saved plan is stale; live state changed since it was made:", [*lines, "Run plan again."]
    if isinstance(error, PlanMismatch):
        lines = [f"  - {line}" for line in plan_mismatch_lines(error.differences)]
        return (
            "refusing the saved plan: re-planning from the config and overrides it holds gives other "
            "changes now (the file was edited, or live state changed):",
            [*lines, "Nothing was applied. Run plan again."],
        )
    if isinstance(error, ExportWouldOverwrite):
        lines = [f"  - {path}" for path in error.paths]
        return f"{error}:", [
            *lines,
            "Nothing was written. Export to a new or empty directory (-o DIR), or pass --force to overwrite.",
        ]
    if isinstance(error, UnmatchedTargets):
        first, *rest = unmatched_lines(error.unmatched)
        return first, rest
    return str(error), []


def stale_line(stale: StaleObject) -> str:
    """`project/a/index/x changed since the plan was made: tags.env "dev" -> "prod"`."""
    line = f"{stale.address} {_STALENESS[stale.how]}"
    if not stale.moved:
        return line
    shown_moves = []
    for moved in stale.moved[:STALE_PATHS_SHOWN]:
        before, after = masked_sides(moved.path, moved.planned, moved.now)
        shown_moves.append(
            f"{moved.path} {format_value(before, width=VALUE_WIDTH)} -> {format_value(after, width=VALUE_WIDTH)}"
        )
    if len(stale.moved) > STALE_PATHS_SHOWN:
        shown_moves.append(f"and {len(stale.moved) - STALE_PATHS_SHOWN} more")
    return f"{line}: " + "; ".join(shown_moves)


def plan_mismatch_lines(differences: Iterable[PlanDifference]) -> list[str]:
    """One line per difference between a saved plan and re-planning now, e.g.
    `project/a/index/x: the plan deletes it; re-planning now does not (not tagged managed-by=declarate)`."""
    return [f"{shown(d.address)}: {_what(d)}" for d in differences]


def _what(d: PlanDifference) -> str:
    if d.aspect == "change":
        if d.now is None:
            note = f" ({shown(d.note)})" if d.note else ""
            return f"the plan would {_action(d.saved)} it; re-planning now would not{note}"
        if d.saved is None:
            return f"re-planning now would {_action(d.now)} it; the plan does not"
        return f"the plan lists it {shown(str(d.saved))}"
    if d.aspect == "action":
        return f"the plan would {_action(d.saved)} it; re-planning now would {_action(d.now)} it"
    if d.aspect.startswith("field "):
        path = d.aspect.removeprefix("field ")
        return f"{shown(path)}: the plan says {_field(path, d.saved)}; re-planning now says {_field(path, d.now)}"
    if d.aspect == "blocks":
        return f"blocked by {_rules(d.saved)} in the plan; re-planning now: {_rules(d.now)}"
    return f"{shown(d.aspect)} differs: the plan says {_value(d.saved)}; re-planning now says {_value(d.now)}"


def _action(value: Any) -> str:
    return shown(str(value)) if isinstance(value, str) else _value(value)


def _field(path: str, field: Any) -> str:
    if not isinstance(field, Mapping):
        return "nothing" if field is None else _value(field)
    before, after = masked_sides(path, field.get("before"), field.get("after"))
    return f"{format_value(before, width=VALUE_WIDTH)} -> {format_value(after, width=VALUE_WIDTH)}"


def _rules(blocks: Any) -> str:
    if not isinstance(blocks, list) or not blocks:
        return "no rule" if blocks in (None, []) else _value(blocks)
    return ", ".join(shown(str(b.get("rule"))) if isinstance(b, Mapping) else _value(b) for b in blocks)


def _value(value: Any) -> str:
    return format_value(mask_value(value), width=VALUE_WIDTH)


def unmatched_lines(unmatched: Iterable[UnmatchedAddress]) -> list[str]:
    """`--only project/tema-a matches nothing in the config or live state; did you mean project/team-a?`"""
    lines = []
    for item in unmatched:
        line = f"{item.flag} {shown(item.value)} matches nothing in the config or live state"
        if item.suggestions:
            line += "; did you mean " + " or ".join(shown(s) for s in item.suggestions) + "?"
        lines.append(line)
    return lines


def shown(text: str) -> str:
    """Text from a plan file or the command line, as is when printable, else JSON-escaped."""
    return text if text.isprintable() else json.dumps(text)
