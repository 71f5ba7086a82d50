"""The usage report as GitHub Markdown: Mermaid charts of records and storage per project, then tables.

For a cost review in a PR comment or `$GITHUB_STEP_SUMMARY`. Names come from live state and are
hostile: in tables they are escaped by `md_blocks.escape`; inside a Mermaid block, where no escape
syntax is reliable across renderers, every character outside a small safe set is replaced, so a
name can never close the label, open a directive (`%%{`) or leave the code fence. The document never
exceeds `limit` characters (per-project index tables are dropped from the end, with a note).
"""

from __future__ import annotations

import re

from declarate.model.usage import ProjectUsage, Total, UsageReport
from declarate.render.md_blocks import Section, bounded_list, details, escape, escape_html, fence, fit, table
from declarate.render.usage import COLUMNS, bytes_text, row_cells, unknown_lines

MARKER = "<!-- declarate-report -->"
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ._-]")
MERMAID_LABEL_MAX = 40
UNKNOWN_LIST_BUDGET = 10_000  # characters of the unknown list kept before "and N more"


def mermaid_label(name: str) -> str:
    """`name` safe inside a quoted Mermaid pie label: letters, digits, space, `.`, `_`, `-` only."""
    safe = _MERMAID_UNSAFE.sub("_", name)
    return safe if len(safe) <= MERMAID_LABEL_MAX else safe[: MERMAID_LABEL_MAX - 3] + "..."


def _pie(title: str, slices: list[tuple[str, int]]) -> str:
    lines = [f"pie showData title {title}"]
    lines += [f'    "{label}" : {value}' for label, value in slices]
    return fence("\n".join(lines), "mermaid")


def _slices(projects: tuple[ProjectUsage, ...], figure: str) -> list[tuple[str, int]]:
    """(label, known value) per project; a label says when its value leaves out unknowns."""
    slices = []
    for project in projects:
        total: Total = getattr(project.totals, figure)
        suffix = "" if total.complete else " (incomplete)"
        slices.append((mermaid_label(project.name) + suffix, total.value))
    return slices


def usage_charts(report: UsageReport) -> str:
    """Two Mermaid pie charts: records per project and storage bytes per project."""
    return "\n\n".join(
        [
            _pie("Records per project", _slices(report.projects, "records")),
            _pie("Storage bytes per project", _slices(report.projects, "storage_bytes")),
        ]
    )


def _summary_table(report: UsageReport) -> str:
    rows = [[escape(p.name), *(escape(c) for c in row_cells(p.totals))] for p in report.projects]
    rows.append(["**Organization**", *(f"**{escape(c)}**" for c in row_cells(report.totals))])
    return table(COLUMNS, rows, align="---:")


def _project_section(project: ProjectUsage) -> Section:
    header = ("Index", "Deployment", "Read nodes", "Records", "Namespaces", "Storage", "Unknown")
    rows = [
        [
            escape(index.name),
            index.deployment.value,
            str(index.read_nodes),
            _figure(index.records),
            _figure(index.namespaces),
            "unknown" if index.storage_bytes is None else bytes_text(Total(index.storage_bytes)),
            escape(index.unknown or ""),
        ]
        for index in project.indexes
    ]
    if project.unknown is not None:
        body = f"Indexes unknown: {escape(project.unknown)}"
    elif rows:
        body = table(header, rows)
    else:
        body = "No indexes."
    summary = f"{escape_html(project.name)}: {len(project.indexes)} index(es)"
    return Section(details(summary, body), 1)


def _figure(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def render_report_markdown(report: UsageReport, *, limit: int = 60_000) -> str:
    """The report as Markdown: charts first, then the per-project table, then index details."""
    environment = f", environment {escape(report.environment)}" if report.environment else ""
    head = [
        MARKER,
        "## declarate usage report",
        f"Target: {escape(report.target)}{environment}",
        usage_charts(report),
        _summary_table(report),
    ]
    lines = unknown_lines(report.totals)
    if lines:
        shown = bounded_list(
            [f"- {escape(line)}" for line in lines], UNKNOWN_LIST_BUDGET, lambda n: f"- and {n} more"
        )
        head.append(
            f"**Unknown ({len(lines)})**: totals marked >= count only what could be read.\n\n"
            + "\n".join(shown)
        )
    sections = [_project_section(p) for p in report.projects]

    def note(left_out: int, _: int) -> str:
        return f"_{left_out} project detail block(s) left out to stay under {limit:,} characters._"

    return fit(head, sections, [], limit=limit, note=note)
