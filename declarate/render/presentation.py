"""The vocabulary every view shares: action symbols, scope grouping, value and source formatting.

Text, Markdown, drift and GitHub views read these so they cannot disagree about how a change looks.
Nothing here decides what a plan does; it only names and formats what the plan already says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from declarate.model.address import Address, Kind
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Change, FieldDiff, Plan
from declarate.model.resource import Origin
from declarate.model.state import scope_of
from declarate.render.escape import printable
from declarate.render.style import Style

SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.ADOPT: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.RENAME: "~>",
    Action.UNMANAGE: "~",
}

ACTION_STYLES: dict[Action, Style] = {
    Action.CREATE: Style.CREATE,
    Action.UPDATE: Style.UPDATE,
    Action.ADOPT: Style.UPDATE,
    Action.REPLACE: Style.REPLACE,
    Action.DELETE: Style.DELETE,
    Action.RENAME: Style.UPDATE,
    Action.UNMANAGE: Style.UPDATE,
}

# Verbs for counts, in the order summary lines use.
ACTION_VERBS: tuple[tuple[Action, str], ...] = (
    (Action.CREATE, "to create"),
    (Action.UPDATE, "to update"),
    (Action.ADOPT, "to adopt"),
    (Action.REPLACE, "to replace"),
    (Action.DELETE, "to delete"),
    (Action.RENAME, "to rename"),
    (Action.UNMANAGE, "to unmanage"),
)

NO_CHANGES = "No changes. Live state matches the config."
UNMANAGED_HEADING = "Unmanaged (reported only, never touched)"
NOTES_HEADING = "Notes (nothing changes for these)"
ABSENT = "(none)"
VALUE_WIDTH = 80


def target_line(target: str | None) -> str | None:
    """`Target: local (embedded, .declarate/local.db)`: the first line of every plan, apply and drift view."""
    if not target:
        return None
    # One line, whatever the URL held: a newline in it must not forge lines of the plan.
    return "Target: " + " ".join(target.split())


def no_changes_line(plan: Plan) -> str:
    """`No changes. ...`, unless `--only` left changes out: then saying live matches would be false."""
    if plan.left_out:
        return f"No changes under --only. {plan.left_out_line()}"
    return NO_CHANGES


def address_suffix(action: Action) -> str:
    """The word after an address for actions whose symbol alone is ambiguous or alarming."""
    if action is Action.ADOPT:
        return " (adopt)"
    if action is Action.REPLACE:
        return " (replace)"
    if action is Action.UNMANAGE:
        return " (unmanage)"
    return ""


def renamed_phrase(change: Change) -> str:
    """`OLD -> NEW` for a rename (names escaped), '' for any other change."""
    if change.action is not Action.RENAME or change.renamed_from is None:
        return ""
    return f"{printable(change.renamed_from.name)} -> {printable(change.address.name)}"


def impact_summary(change: Change) -> str:
    """What the change does to the index's records: `destroys 12 records in 1 namespace` for a delete
    or replace, `carries ...` for a rename, `unknown: REASON`; '' when the change has no data impact."""
    if change.data_impact is None:
        return ""
    return change.data_impact.summary("carries" if change.action is Action.RENAME else "destroys")


def change_suffix(change: Change) -> str:
    """What follows a change's address: `address_suffix`, and for a rename `(rename OLD -> NEW)`."""
    phrase = renamed_phrase(change)
    return f" (rename {phrase})" if phrase else address_suffix(change.action)


def group_by_scope(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    """Changes grouped by `project/NAME` or `organization`, scopes in order of first appearance."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(scope_label(change.address), []).append(change)
    return list(groups.items())


def scope_label(address: Address) -> str:
    """How a scope is shown: `project/NAME` with NAME escaped as in addresses, or `organization`.

    A project named `team/index/x` is `project/team%2Findex%2Fx`, never a look-alike of an index.
    """
    if address.kind is Kind.PROJECT:
        return str(address)
    return str(Address.project_(address.project)) if address.project is not None else scope_of(address)


def count_phrase(changes: Sequence[Change]) -> str:
    """`2 to create, 1 to update, 1 blocked`: only the non-zero counts of one group of changes."""
    parts = []
    for action, verb in ACTION_VERBS:
        n = sum(1 for c in changes if c.action is action)
        if n:
            parts.append(f"{n} {verb}")
    blocked = sum(1 for c in changes if c.blocked is not None)
    if blocked:
        parts.append(f"{blocked} blocked")
    return ", ".join(parts) if parts else "no changes"


def format_value(value: Any, *, width: int = VALUE_WIDTH) -> str:
    """Compact JSON for a value; `(none)` bare; long text elided with its length."""
    if value is None:
        return ABSENT
    text = printable(json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=_plain))
    if len(text) > width:
        # Keep the head, which names the structure, and say how much was left out.
        return f"{text[:width]}... ({len(text)} chars)"
    return text


def _plain(value: Any) -> Any:
    """json.dumps fallback for read-only mappings and other non-JSON containers in canonical attrs."""
    if hasattr(value, "items"):
        return dict(value.items())
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def removes_field(change: Change, field: FieldDiff) -> bool:
    """True when the change takes the field away (a delete, or the tag an unmanage removes): no `+` side."""
    return field.after is None and change.action in (Action.DELETE, Action.UNMANAGE)


def format_origin(origin: Origin | None) -> str:
    """`file:line` of a config position, or '' when there is none (live-only objects)."""
    return "" if origin is None else printable(f"{origin.file}:{origin.line}")


def shows_field_reason(change: Change, field: FieldDiff) -> bool:
    """True for replace-class fields (immutable or one-way), whose reason the reader must see.

    The field carries its rule from the `KINDS` table (set by the diff), the one place that says
    which fields force a replacement; in-place fields' reasons ("tags can be changed in place")
    would only be noise.
    """
    if not field.reason or change.action is Action.CREATE:
        return False  # every field of a create is "set at creation": saying so on each is noise
    return field.mutability in (Mutability.REPLACE, Mutability.ONE_WAY)


def field_source(change: Change, field: FieldDiff) -> str:
    """The field's `file:line` when it adds something to the change's own source, else ''."""
    if field.source is None or field.source == change.source or field.default:
        return ""  # a default has no line of its own: the nearest one would belong to another field
    return format_origin(field.source)


DEFAULTS_HEADING = "defaults (not in the config):"


def declared_and_defaults(change: Change) -> tuple[list[FieldDiff], list[FieldDiff]]:
    """A change's field diffs split into what the config declared, in config order (by source line),
    and the defaults it did not write, by path."""
    declared = sorted(
        (f for f in change.fields if not f.default),
        key=lambda f: (f.source is None, f.source or Origin("", 0), f.display_path),
    )
    return declared, sorted((f for f in change.fields if f.default), key=lambda f: f.display_path)


def created_attributes(change: Change) -> list[tuple[str, Any]]:
    """Top-level desired attributes of a create that carries no field diffs (shown as `+ key: value`)."""
    if change.action is not Action.CREATE or change.fields or not change.after:
        return []
    return [(str(key), value) for key, value in change.after.items()]
