"""Views of a usage report (`declarate report`): JSON, CSV and a rich text table.

Every name and reason comes from live state or a server and is escaped here, where it leaves: control
characters shown as text (`printable`), rich markup never interpreted (cells are `Text`), CSV cells
that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) prefixed with `'`. An
unknown figure is shown as unknown (JSON `null`, an empty CSV cell), never as 0, and a total that
includes one says so. Markdown is `usage_markdown.py`. Nothing here computes a figure.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from declarate.model.usage import USAGE_FORMAT_VERSION, Deployment, ProjectUsage, Total, Totals, UsageReport
from declarate.render.escape import printable

UNKNOWN = "unknown"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# -- JSON ----------------------------------------------------------------------------------------


def report_document(report: UsageReport) -> dict[str, Any]:
    """The report as the JSON document described by schemas/report.schema.json (format_version "1")."""
    return {
        "format_version": USAGE_FORMAT_VERSION,
        "target": report.target,
        "environment": report.environment,
        "complete": report.complete,
        "projects": [_project_json(p) for p in report.projects],
        "totals": _totals_json(report.totals),
    }


def render_report_json(report: UsageReport) -> str:
    # ensure_ascii keeps every control and bidi character as a \\u escape: the document stays inert.
    return json.dumps(report_document(report), indent=2, ensure_ascii=True)


def _project_json(project: ProjectUsage) -> dict[str, Any]:
    return {
        "name": project.name,
        "unknown": project.unknown,
        "indexes": [
            {
                "name": index.name,
                "deployment": index.deployment.value,
                "dedicated_read_nodes": index.read_nodes,
                "records": index.records,
                "namespaces": index.namespaces,
                "storage_bytes": index.storage_bytes,
                "unknown": index.unknown,
            }
            for index in project.indexes
        ],
        "backups": {
            "count": project.backups,
            "size_bytes": project.backup_bytes,
            "unknown": project.backups_unknown,
        },
        "api_keys": project.api_keys,
        "members": len(project.members),
        "role_bindings": project.role_bindings,
        "totals": _totals_json(project.totals),
    }


def _totals_json(totals: Totals) -> dict[str, Any]:
    return {
        "projects": totals.projects,
        "indexes": {**{d.value: totals.indexes.get(d, 0) for d in Deployment}, "total": totals.index_count},
        "dedicated_read_nodes": totals.read_nodes,
        "records": totals.records.value,
        "namespaces": totals.namespaces.value,
        "storage_bytes": totals.storage_bytes.value,
        "backups": totals.backups.value,
        "backup_bytes": totals.backup_bytes.value,
        "api_keys": totals.api_keys,
        "members": totals.members,
        "role_bindings": totals.role_bindings,
        "complete": totals.complete,
        "unknown": list(totals.unknown),
    }


# -- CSV -----------------------------------------------------------------------------------------

CSV_HEADER = (
    "row",
    "project",
    *(f"{d.value}_indexes" for d in Deployment),
    "dedicated_read_nodes",
    "records",
    "namespaces",
    "storage_bytes",
    "backups",
    "backup_bytes",
    "api_keys",
    "members",
    "role_bindings",
    "complete",
    "unknown",
)


def csv_cell(text: str) -> str:
    """A string cell that a spreadsheet shows as text: never a formula, never a control character."""
    shown = printable(text)
    return "'" + shown if shown.startswith(_FORMULA_STARTS) else shown


def render_report_csv(report: UsageReport) -> str:
    """One row per project, then a `total` row for the organization; a header first.

    Unknown figures are empty cells; a row whose figures include an unknown has `complete` false
    and says why in `unknown` (its sums count only what was known).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for project in report.projects:
        writer.writerow(["project", csv_cell(project.name), *_csv_figures(project.totals)])
    writer.writerow(["total", "", *_csv_figures(report.totals)])
    return buffer.getvalue()


def _csv_figures(totals: Totals) -> list[str]:
    def figure(total: Total) -> str:
        # Nothing of it known: an empty cell, never 0. Some of it known: the known part, and
        # `complete` false says it is not all.
        return "" if not total.complete and total.value == 0 else str(total.value)

    return [
        *(str(totals.indexes.get(d, 0)) for d in Deployment),
        str(totals.read_nodes),
        figure(totals.records),
        figure(totals.namespaces),
        figure(totals.storage_bytes),
        figure(totals.backups),
        figure(totals.backup_bytes),
        str(totals.api_keys),
        str(totals.members),
        str(totals.role_bindings),
        "true" if totals.complete else "false",
        csv_cell("; ".join(totals.unknown)),
    ]


# -- text ----------------------------------------------------------------------------------------


def count_text(total: Total) -> str:
    """`1,234`, `≥ 1,234` when it includes unknowns, `unknown` when nothing of it was known."""
    if total.complete:
        return f"{total.value:,}"
    return f">= {total.value:,}" if total.value else UNKNOWN


def bytes_text(total: Total) -> str:
    """A size in binary units (`1.5 MiB`), with the same unknown rules as `count_text`."""
    shown = _size(total.value)
    if total.complete:
        return shown
    return f">= {shown}" if total.value else UNKNOWN


def _size(value: int) -> str:
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{value:,} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def indexes_text(totals: Totals) -> str:
    """`3 (2 serverless, 1 dedicated)`: the count and its split by deployment."""
    parts = [f"{n} {d.value}" for d in Deployment if (n := totals.indexes.get(d, 0))]
    return f"{totals.index_count} ({', '.join(parts)})" if parts else "0"


COLUMNS = (
    "Project",
    "Indexes",
    "Read nodes",
    "Records",
    "Namespaces",
    "Storage",
    "Backups",
    "Backup size",
    "API keys",
    "Members",
)


def row_cells(totals: Totals) -> list[str]:
    """The figures of one table row (every column but the name), as text."""
    return [
        indexes_text(totals),
        f"{totals.read_nodes:,}",
        count_text(totals.records),
        count_text(totals.namespaces),
        bytes_text(totals.storage_bytes),
        count_text(totals.backups),
        bytes_text(totals.backup_bytes),
        f"{totals.api_keys:,}",
        f"{totals.members:,}",
    ]


def unknown_lines(totals: Totals) -> list[str]:
    """One line per object whose figures are unknown, with why."""
    return [printable(line) for line in totals.unknown]


def render_report_text(report: UsageReport, *, color: bool, width: int | None = None) -> str:
    """A rich table: one row per project, the organization's totals last, then what is unknown."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None, show_footer=False, header_style="bold" if color else "")
    for position, column in enumerate(COLUMNS):
        table.add_column(column, justify="left" if position == 0 else "right", no_wrap=position == 0)
    for project in report.projects:
        table.add_row(Text(printable(project.name)), *(Text(c) for c in row_cells(project.totals)))
    totals = report.totals
    table.add_section()
    table.add_row(Text("Organization", style="bold" if color else ""), *(Text(c) for c in row_cells(totals)))
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 200,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(Text(_heading(report)))
    console.print(table)
    lines = unknown_lines(totals)
    if lines:
        console.print(Text(f"Unknown ({len(lines)}): figures marked >= count only what could be read."))
        for line in lines:
            console.print(Text(f"  - {line}"))
    return buffer.getvalue().rstrip("\n")


def _heading(report: UsageReport) -> str:
    environment = f", environment {report.environment}" if report.environment else ""
    return printable(f"Target: {report.target}{environment}")
