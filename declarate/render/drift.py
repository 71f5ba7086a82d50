"""The drift report (`declarate drift`) as text, JSON and Markdown.

The same plan the plan views show, read as drift: managed objects changed out of band (live vs
config, field by field), managed objects missing live, objects live that the config would delete, and
unmanaged objects, with the coverage figure. Values are masked by field name. It must not compute
drift (the plan says it), and must not print.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from declarate.model.plan import Action, Change, FieldDiff, Plan
from declarate.model.resource import Origin
from declarate.render.drift_report import CHANGED, DRIFT_OF_ACTION, EXTRA, MISSING, DriftReport, drift_report
from declarate.render.escape import printable
from declarate.render.markdown import target_paragraph, truncation_note, unmanaged_section
from declarate.render.masking import masked_field
from declarate.render.md_blocks import Section, code, details, escape, escape_html, fence, fit, table
from declarate.render.presentation import (
    ACTION_STYLES,
    DEFAULTS_HEADING,
    SYMBOLS,
    change_suffix,
    declared_and_defaults,
    field_source,
    format_origin,
    format_value,
    group_by_scope,
    impact_summary,
    shows_field_reason,
    target_line,
)
from declarate.render.style import Painter, Style
from declarate.render.text import INDENT, unmanaged_lines

FORMAT_VERSION = "1"
MARKER = "<!-- declarate-drift -->"
VALUE_WIDTH = 120

_HEADINGS = (
    (CHANGED, "Changed out of band (live differs from the config)"),
    (MISSING, "Missing live (declared in the config, not found)"),
    (EXTRA, "Live but not in the config (apply would delete)"),
)


def render_drift_text(plan: Plan, *, coverage: tuple[int, int], color: bool = False) -> str:
    """The drift report for a terminal; plain by default, since drift usually runs in cron logs."""
    return drift_text(drift_report(plan, coverage), color=color)


def drift_text(report: DriftReport, *, color: bool) -> str:
    """The drift report as text; colored when `color` is True."""
    paint = Painter(color)
    target = target_line(report.target)
    lines = [paint(target, Style.HEADING), ""] if target else []
    lines.append(paint(report.headline(), Style.WARNING if report.drifted else Style.OK))
    lines.append(f"Coverage: {report.coverage_text()}.")
    for heading, title in _HEADINGS:
        changes = _under(report, heading)
        if changes:
            lines += ["", paint(f"{title}:", Style.HEADING)]
            for change in changes:
                lines.extend(_change_lines(change, paint))
    if report.unmanaged:
        lines += ["", *unmanaged_lines(report.unmanaged, paint)]
    return "\n".join(lines)


def _under(report: DriftReport, heading: str) -> tuple[Change, ...]:
    return {CHANGED: report.changed, MISSING: report.missing, EXTRA: report.extra}[heading]


def _change_lines(change: Change, paint: Painter) -> list[str]:
    style = ACTION_STYLES[change.action]
    address = printable(str(change.address))
    lines = [f"  {paint(SYMBOLS[change.action], style)} {address}{change_suffix(change)}"]
    if change.reason:
        lines.append(f"{INDENT}{printable(change.reason)}")
    if change.source is not None:
        lines.append(paint(f"{INDENT}source: {format_origin(change.source)}", Style.MUTED))
    if change.data_impact is not None:  # as the plan shows it: what correcting this drift destroys
        style = Style.MUTED if change.action is Action.RENAME else Style.BLOCKED
        lines.append(paint(f"{INDENT}data impact: {printable(impact_summary(change))}", style))
    declared, defaults = declared_and_defaults(change)
    for field in declared:
        lines.extend(_field_lines(change, field, paint, INDENT))
    if defaults:
        lines.append(paint(f"{INDENT}{DEFAULTS_HEADING}", Style.MUTED))
        for field in defaults:
            lines.extend(_field_lines(change, field, paint, INDENT + "  "))
    return lines


def _field_lines(change: Change, field: FieldDiff, paint: Painter, indent: str) -> list[str]:
    live, desired = masked_field(field)
    where = field_source(change, field)
    suffix = paint(f"  ({where})", Style.MUTED) if where else ""
    lines = [
        f"{indent}{printable(field.display_path)}: live {format_value(live)}, config {format_value(desired)}{suffix}"
    ]
    if shows_field_reason(change, field):
        lines.append(paint(f"{indent}  # {printable(field.reason)}", Style.REPLACE))
    return lines


def render_drift_json(plan: Plan, *, coverage: tuple[int, int]) -> str:
    """`{"format_version": "1", "target", "environment", "drifted", "coverage": {managed, live}, "changed", "missing", "extra",
    "unmanaged"}`; in `changed[].fields[]`, `before` is the live value and `after` the config's."""
    report = drift_report(plan, coverage)
    data = {
        "format_version": FORMAT_VERSION,
        "target": report.target,
        "environment": report.environment,
        "drifted": report.drifted,
        "coverage": {"managed": report.managed, "live": report.live},
        "changed": [{**_entry(c), "fields": _fields_json(c)} for c in report.changed],
        "missing": [_entry(c) for c in report.missing],
        "extra": [_entry(c) for c in report.extra],
        "unmanaged": [
            {"address": str(u.address), "kind": u.address.kind.value, "reason": u.reason}
            for u in report.unmanaged
        ],
    }
    return json.dumps(data, indent=2)


def _entry(change: Change) -> dict[str, Any]:
    """One drifted object; `data_impact` as on the plan's change, for index deletes, replaces and renames."""
    return {
        "address": str(change.address),
        "kind": change.kind.value,
        "action": change.action.value,
        "reason": change.reason,
        "source": _origin_json(change.source),
        **({} if change.data_impact is None else {"data_impact": change.data_impact.to_json()}),
    }


def _fields_json(change: Change) -> list[dict[str, Any]]:
    fields = []
    for field in change.fields:
        live, desired = masked_field(field)
        fields.append(
            {
                "path": field.path,
                "before": live,
                "after": desired,
                "reason": field.reason,
                "source": _origin_json(field.source),
                **({"shown_as": field.shown_as} if field.shown_as else {}),
                **({"default": True} if field.default else {}),
            }
        )
    return fields


def _origin_json(origin: Origin | None) -> dict[str, Any] | None:
    return None if origin is None else {"file": origin.file, "line": origin.line, "column": origin.column}


def render_drift_markdown(
    plan: Plan, *, coverage: tuple[int, int], title: str = "declarate drift", limit: int = 60_000
) -> str:
    """The drift report as GitHub Markdown, at most `limit` characters, starting with its marker."""
    report = drift_report(plan, coverage)
    head = [
        MARKER,
        f"## {escape(title)}",
        *target_paragraph(report.target),
        _summary_table(report),
        f"**{escape(report.headline())}**",
    ]
    drifted = [*report.changed, *report.missing, *report.extra]
    # Plan order, so each project's section lists its objects in dependency order.
    ordered = [c for c in plan.changes if c in drifted]
    sections = [
        Section(_scope_details(scope, changes), len(changes)) for scope, changes in group_by_scope(ordered)
    ]
    tail = [unmanaged_section(report.unmanaged, budget=limit // 4)] if report.unmanaged else []
    note = truncation_note(len(sections), len(ordered), "drift")
    return fit(head, sections, tail, limit=limit, note=note)


def _summary_table(report: DriftReport) -> str:
    header = [CHANGED, MISSING, EXTRA, "unmanaged", "coverage"]
    row = [
        str(len(report.changed)),
        str(len(report.missing)),
        str(len(report.extra)),
        str(len(report.unmanaged)),
        escape(report.coverage_text()),
    ]
    return table(header, [row])


def _scope_details(scope: str, changes: Sequence[Change]) -> str:
    rows = [
        [
            code(SYMBOLS[c.action]),
            code(str(c.address)),
            DRIFT_OF_ACTION[c.action],
            escape(c.reason) + (f"<br>**data impact**: {escape(impact_summary(c))}" if c.data_impact else ""),
            code(format_origin(c.source)) if c.source else "",
        ]
        for c in changes
    ]
    body = table(["", "address", "drift", "reason", "source"], rows)
    diff = [line for c in changes for line in _diff_lines(c)]
    if diff:
        body += "\n\n" + fence("\n".join(diff), "diff")
    counts = ", ".join(
        f"{n} {heading}"
        for heading in (CHANGED, MISSING, EXTRA)
        if (n := sum(1 for c in changes if DRIFT_OF_ACTION[c.action] == heading))
    )
    return details(f"<code>{escape_html(scope)}</code>: {escape_html(counts)}", body)


def _diff_lines(change: Change) -> list[str]:
    """`- path: live` / `+ path: config` for each field of an object changed out of band."""
    if not change.fields:
        return []
    lines = [f"~ {printable(str(change.address))}{change_suffix(change)}"]
    declared, defaults = declared_and_defaults(change)
    for field in [*declared, *defaults]:
        if field is (defaults[0] if defaults else None):
            lines.append(f"      # {DEFAULTS_HEADING}")
        live, desired = masked_field(field)
        path = printable(field.display_path)
        lines.append(f"-     {path}: {format_value(live, width=VALUE_WIDTH)}  (live)")
        lines.append(f"+     {path}: {format_value(desired, width=VALUE_WIDTH)}  (config)")
        if shows_field_reason(change, field):
            lines.append(f"      # {printable(field.reason)}")
    return lines
