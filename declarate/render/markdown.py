"""The plan for pull requests and `$GITHUB_STEP_SUMMARY`: Markdown that never exceeds a length limit.

A sticky-comment marker, a summary table, blocked changes called out, one collapsed `<details>` block
per project scope with its changes and field diffs, then unmanaged objects. Detail blocks are dropped
from the end when the text would exceed `limit`, with a note saying what was left out. Values are
escaped and masked by field name. It must not compute anything about the plan, and must not print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from declarate.model.plan import Action, Change, FieldDiff, Note, Plan, Unmanaged
from declarate.render.escape import printable
from declarate.render.masking import masked_field, masked_sides
from declarate.render.md_blocks import (
    Section,
    bounded_list,
    code,
    details,
    escape,
    escape_html,
    fence,
    fit,
    joined_length,
    table,
)
from declarate.render.presentation import (
    DEFAULTS_HEADING,
    SYMBOLS,
    change_suffix,
    count_phrase,
    created_attributes,
    declared_and_defaults,
    field_source,
    format_origin,
    format_value,
    group_by_scope,
    impact_summary,
    no_changes_line,
    removes_field,
    renamed_phrase,
    shows_field_reason,
    target_line,
)

MARKER = "<!-- declarate-plan -->"
ATTRIBUTES_LEFT_OUT = "The attributes of objects to create are left out to fit the size of a comment."
VALUE_WIDTH = 120
_DIFF_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.ADOPT: "~",
    Action.REPLACE: "!",
    Action.DELETE: "-",
    Action.RENAME: "~",
    Action.UNMANAGE: "~",
}


def render_plan_markdown(plan: Plan, *, title: str = "declarate plan", limit: int = 60_000) -> str:
    """The plan as GitHub Markdown, at most `limit` characters, starting with `<!-- declarate-plan -->`."""
    head = [MARKER, f"## {escape(title)}", *target_paragraph(plan.target)]
    if not plan.changes:
        head.append(no_changes_line(plan))
    if plan.changes or plan.unmanaged or plan.notes:
        head.append(summary_table(plan))
        head.append(f"**{escape(plan.summary_line())}**")
        if plan.left_out:
            head.append(f"**{escape(plan.left_out_line())}**")
    if plan.blocked:
        head.append(blocked_section(plan.blocked, budget=limit // 4))
    groups = group_by_scope(plan.changes)
    sections = [Section(scope_details(scope, changes), len(changes)) for scope, changes in groups]
    tail = [unmanaged_section(plan.unmanaged, budget=limit // 4)] if plan.unmanaged else []
    if plan.notes:
        tail.append(notes_section(plan.notes, budget=limit // 8))
    if joined_length(head, sections, tail) > limit:
        # The attributes of new objects are the bulk of a large plan and the least reviewed part:
        # leave them out before leaving out whole projects.
        compact = [
            Section(scope_details(scope, changes, attributes=False), len(changes))
            for scope, changes in groups
        ]
        if compact != sections:
            head.append(f"> {ATTRIBUTES_LEFT_OUT}")
            sections = compact
    return fit(
        head, sections, tail, limit=limit, note=truncation_note(len(sections), len(plan.changes), "plan")
    )


def target_paragraph(target: str | None) -> list[str]:
    """`Target: `https://api.pinecone.io``, or nothing when the plan names no target."""
    line = target_line(target)
    if line is None:
        return []
    return [f"Target: {code(line.removeprefix('Target: '), in_table=False)}"]


def truncation_note(total_sections: int, total_changes: int, command: str) -> Callable[[int, int], str]:
    """The note that replaces dropped detail blocks: how much is missing and how to see all of it."""

    def note(sections: int, changes: int) -> str:
        return (
            f"> **Truncated:** {sections} of {total_sections} sections ({changes} of {total_changes} changes) "
            f"are not shown here, to stay within the size of a comment. "
            f"Run `declarate {command}` locally for the full {'report' if command == 'drift' else 'plan'}."
        )

    return note


def summary_table(plan: Plan) -> str:
    """One row of counts: every action, blocked and unmanaged."""
    counts = plan.summary()
    header = ["create", "update", "adopt", "replace", "delete", "blocked", "unmanaged"]
    if counts["rename"]:
        header.insert(5, "rename")
    if counts["unmanage"]:  # a column only when used, so plans without it keep their familiar table
        header.insert(header.index("blocked"), "unmanage")
    return table(header, [[str(counts[name]) for name in header]], align="---:")


def blocked_section(blocked: Sequence[Change], *, budget: int) -> str:
    """Blocked changes called out with every rule that blocks each, its message and exact override."""
    items = [
        f"- {code(str(c.address), in_table=False)} ({c.action.value}): "
        + (f"{escape(impact_summary(c))}<br>" if c.data_impact is not None else "")
        + "<br>".join(
            f"**BLOCKED ({escape(b.rule)})**: {escape(b.message)}<br>override: {code(b.override, in_table=False)}"
            for b in c.blocks
        )
        for c in blocked
        if c.blocks
    ]
    listed = bounded_list(items, budget, lambda n: f"- ... and {n} more blocked changes")
    intro = "These changes will not be applied until their rule is satisfied or overridden."
    return "\n".join(["### Blocked changes", "", intro, "", *listed])


def unmanaged_section(unmanaged: Sequence[Unmanaged], *, budget: int) -> str:
    """Live objects that no document declares and declarate does not own."""
    items = [
        f"- {code(str(u.address), in_table=False)}" + (f": {escape(u.reason)}" if u.reason else "")
        for u in unmanaged
    ]
    listed = bounded_list(items, budget, lambda n: f"- ... and {n} more unmanaged objects")
    return "\n".join(["### Unmanaged objects", "", "Reported only, never touched.", "", *listed])


def notes_section(notes: Sequence[Note], *, budget: int) -> str:
    """Addresses the plan leaves alone, with why (e.g. declared `ensure: unmanaged`, not found live)."""
    items = [
        f"- {code(str(n.address), in_table=False)}: {escape(n.message)}"
        + (f" ({code(format_origin(n.source), in_table=False)})" if n.source else "")
        for n in notes
    ]
    listed = bounded_list(items, budget, lambda n: f"- ... and {n} more notes")
    return "\n".join(["### Notes", "", "Nothing changes for these.", "", *listed])


def scope_details(scope: str, changes: Sequence[Change], *, attributes: bool = True) -> str:
    """One `<details>` block: the scope's changes as a table, then their field diffs.

    `attributes=False` leaves out the desired attributes listed for creates without field diffs.
    """
    rows = [
        [
            code(SYMBOLS[c.action]),
            code(str(c.address)),
            escape(" ".join(filter(None, (c.action.value, renamed_phrase(c)))))
            + (" **blocked**" if c.blocked is not None else ""),
            escape(c.reason) + _impact_cell(c),
            code(format_origin(c.source)) if c.source else "",
        ]
        for c in changes
    ]
    body = table(["", "address", "action", "reason", "source"], rows)
    diff_lines = [line for c in changes for line in diff_lines_of(c, attributes=attributes)]
    if diff_lines:
        body += "\n\n" + fence("\n".join(diff_lines), "diff")
    summary = f"<code>{escape_html(scope)}</code>: {escape_html(count_phrase(changes))}"
    return details(summary, body)


def _impact_cell(change: Change) -> str:
    """`<br>**data impact**: destroys 12 records in 1 namespace` for index deletes and replaces."""
    if change.data_impact is None:
        return ""
    return f"<br>**data impact**: {escape(impact_summary(change))}"


def _field_lines(change: Change, field: FieldDiff) -> list[str]:
    """`- path: live` / `+ path: desired` under the path the config used, and the reason where it matters."""
    before, after = masked_field(field)
    path = printable(field.display_path)
    where = f"  ({field_source(change, field)})" if field_source(change, field) else ""
    lines: list[str] = []
    if not (change.action is Action.CREATE and field.before is None):
        lines.append(f"-     {path}: {format_value(before, width=VALUE_WIDTH)}")
    if not removes_field(change, field):
        lines.append(f"+     {path}: {format_value(after, width=VALUE_WIDTH)}{where}")
    if shows_field_reason(change, field):
        lines.append(f"      # {printable(field.reason)}")
    return lines


def diff_lines_of(change: Change, *, attributes: bool = True) -> list[str]:
    """A change's field diffs in `diff` syntax (- live, + desired); none for a bare delete."""
    lines: list[str] = []
    declared, defaults = declared_and_defaults(change)
    for field in declared:
        lines.extend(_field_lines(change, field))
    if defaults:
        lines.append(f"      # {DEFAULTS_HEADING}")
        for field in defaults:
            lines.extend(_field_lines(change, field))
    for key, value in created_attributes(change) if attributes else []:
        _, shown = masked_sides(key, None, value)
        lines.append(f"+     {printable(key)}: {format_value(shown, width=VALUE_WIDTH)}")
    if not lines:
        return []
    suffix = change_suffix(change)
    return [f"{_DIFF_SYMBOLS[change.action]} {printable(str(change.address))}{suffix}", *lines]
