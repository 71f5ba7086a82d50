"""The human plan: a Terraform-like diff for a terminal, colored or plain.

Shows exactly what the Plan says, grouped by project scope in plan order: symbol, address, reason,
source, data impact, field diffs (masked by field name), every block with its override, then unmanaged objects and
the summary line (and how many changes `--only` left out). It must not compute anything about the plan, and must not print.
"""

from __future__ import annotations

from declarate.model.plan import Action, Change, FieldDiff, Note, Plan, Unmanaged
from declarate.render.escape import printable
from declarate.render.masking import masked_field, masked_sides
from declarate.render.presentation import (
    ACTION_STYLES,
    DEFAULTS_HEADING,
    NOTES_HEADING,
    SYMBOLS,
    UNMANAGED_HEADING,
    change_suffix,
    created_attributes,
    declared_and_defaults,
    field_source,
    format_origin,
    format_value,
    group_by_scope,
    impact_summary,
    no_changes_line,
    removes_field,
    shows_field_reason,
    target_line,
)
from declarate.render.style import Painter, Style

INDENT = "      "


def render_plan_text(plan: Plan, *, color: bool) -> str:
    """The plan as a Terraform-like diff; plain text without any escape code when `color` is False."""
    paint = Painter(color)
    lines: list[str] = []
    target = target_line(plan.target)
    if target:
        lines += [paint(target, Style.HEADING), ""]
    if not plan.changes:
        lines.append(paint(no_changes_line(plan), Style.OK))
        if not plan.unmanaged and not plan.notes:
            return "\n".join(lines)
        lines.append("")
    else:
        lines.append("declarate will perform the following actions:")
        for scope, changes in group_by_scope(plan.changes):
            lines.append("")
            lines.append(paint(f"{printable(scope)}:", Style.HEADING))
            for change in changes:
                lines.append("")
                lines.extend(change_lines(change, paint))
        lines.append("")
    if plan.unmanaged:
        lines.extend(unmanaged_lines(plan.unmanaged, paint))
        lines.append("")
    if plan.notes:
        lines.extend(note_lines(plan.notes, paint))
        lines.append("")
    lines.append(paint(plan.summary_line(), Style.HEADING))
    if plan.left_out:
        lines.append(paint(plan.left_out_line(), Style.HEADING))
    return "\n".join(lines)


def change_lines(change: Change, paint: Painter) -> list[str]:
    """One change: its headline, reason, source, field diffs and block."""
    style = ACTION_STYLES[change.action]
    symbol = SYMBOLS[change.action]
    address = printable(str(change.address))
    lines = [f"  {paint(symbol, style)} {paint(address, style)}{change_suffix(change)}"]
    if change.reason:
        lines.append(f"{INDENT}{printable(change.reason)}")
    source = format_origin(change.source)
    if source:
        lines.append(paint(f"{INDENT}source: {source}", Style.MUTED))
    if change.data_impact is not None:
        # Destroyed records are a warning; a rename's records are carried, which is only information.
        style = Style.MUTED if change.action is Action.RENAME else Style.BLOCKED
        lines.append(paint(f"{INDENT}data impact: {printable(impact_summary(change))}", style))
    declared, defaults = declared_and_defaults(change)
    for field in declared:
        lines.extend(_field_lines(change, field, paint, INDENT))
    if defaults:
        lines.append(paint(f"{INDENT}{DEFAULTS_HEADING}", Style.MUTED))
        for field in defaults:
            lines.extend(_field_lines(change, field, paint, INDENT + "  "))
    for key, value in created_attributes(change):
        _, shown = masked_sides(key, None, value)
        lines.append(f"{INDENT}{paint('+', Style.CREATE)} {printable(key)}: {format_value(shown)}")
    for block in change.blocks:
        lines.append(
            paint(f"{INDENT}BLOCKED ({printable(block.rule)}): {printable(block.message)}", Style.BLOCKED)
        )
        lines.append(f"{INDENT}  override: {printable(block.override)}")
    return lines


def _field_lines(change: Change, field: FieldDiff, paint: Painter, indent: str) -> list[str]:
    """One field diff under the path the config used, with its source line when it adds one."""
    style = ACTION_STYLES[change.action]
    before, after = masked_field(field)
    where = field_source(change, field)
    suffix = paint(f"  ({where})", Style.MUTED) if where else ""
    path = printable(field.display_path)
    if change.action is Action.CREATE and field.before is None:
        lines = [f"{indent}{paint('+', Style.CREATE)} {path}: {format_value(after)}{suffix}"]
    elif removes_field(change, field):
        lines = [f"{indent}{paint('-', Style.DELETE)} {path}: {format_value(before)}{suffix}"]
    else:
        arrow = paint("->", style)
        lines = [f"{indent}{path}: {format_value(before)} {arrow} {format_value(after)}{suffix}"]
    if shows_field_reason(change, field):
        lines.append(paint(f"{indent}  # {printable(field.reason)}", Style.REPLACE))
    return lines


def unmanaged_lines(unmanaged: tuple[Unmanaged, ...], paint: Painter) -> list[str]:
    """The unmanaged section: live objects declarate reports and never touches."""
    lines = [paint(f"{UNMANAGED_HEADING}:", Style.HEADING)]
    for item in unmanaged:
        reason = f"  {paint(printable(item.reason), Style.MUTED)}" if item.reason else ""
        lines.append(f"  {paint('?', Style.MUTED)} {printable(str(item.address))}{reason}")
    return lines


def note_lines(notes: tuple[Note, ...], paint: Painter) -> list[str]:
    """The notes section: addresses the plan leaves alone, with why and where the config says so."""
    lines = [paint(f"{NOTES_HEADING}:", Style.HEADING)]
    for note in notes:
        where = format_origin(note.source)
        source = paint(f" ({where})", Style.MUTED) if where else ""
        lines.append(
            f"  {paint('!', Style.MUTED)} {printable(str(note.address))}  {printable(note.message)}{source}"
        )
    return lines
