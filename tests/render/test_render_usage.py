"""Views of the usage report: unknown is never zero, and hostile names are inert in every format."""

from __future__ import annotations

import csv
import io
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.model.usage import Deployment, IndexUsage, ProjectUsage, UsageReport
from declarate.render.usage import render_report_csv, render_report_json, render_report_text
from declarate.render.usage_markdown import MERMAID_LABEL_MAX, render_report_markdown

hostile = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def report_of(*projects: ProjectUsage) -> UsageReport:
    return UsageReport("http://127.0.0.1:5080", projects)


def read(name: str, records: int, storage: int) -> IndexUsage:
    return IndexUsage(name, Deployment.SERVERLESS, records=records, namespaces=1, storage_bytes=storage)


UNREADABLE = IndexUsage("lost", Deployment.SERVERLESS, unknown="data plane not readable: connection refused")
PARTIAL = report_of(
    ProjectUsage("team-a", (read("recs", 10, 400), UNREADABLE), backups=0, backup_bytes=0),
    ProjectUsage("team-b", unknown="indexes could not be listed: 403 FORBIDDEN", backups=2, backup_bytes=9),
)


def test_an_unknown_figure_is_null_in_json_and_the_totals_say_they_are_partial() -> None:
    document = json.loads(render_report_json(PARTIAL))
    lost = document["projects"][0]["indexes"][1]
    assert (lost["records"], lost["storage_bytes"]) == (None, None)
    assert lost["unknown"].startswith("data plane not readable")
    assert document["complete"] is False
    assert document["totals"]["records"] == 10 and document["totals"]["complete"] is False
    assert document["totals"]["unknown"] == [
        "project/team-a/index/lost: data plane not readable: connection refused",
        "project/team-b: indexes could not be listed: 403 FORBIDDEN",
    ]


def test_an_unknown_figure_is_an_empty_csv_cell_never_zero() -> None:
    rows = list(csv.DictReader(io.StringIO(render_report_csv(PARTIAL))))
    team_a, team_b, total = rows
    assert team_a["records"] == "10" and team_a["complete"] == "false"
    assert team_b["records"] == "" and team_b["storage_bytes"] == "" and team_b["backups"] == "2"
    assert total["row"] == "total" and total["records"] == "10" and total["complete"] == "false"


def test_text_and_markdown_mark_partial_totals_and_list_what_is_unknown() -> None:
    text = render_report_text(PARTIAL, color=False)
    assert ">= 10" in text and "unknown" in text
    assert "project/team-b: indexes could not be listed" in text
    markdown = render_report_markdown(PARTIAL)
    assert "&gt;= 10" in markdown and "**Unknown (2)**" in markdown  # ">=" once rendered
    assert '"team-a (incomplete)" : 10' in markdown


def test_a_complete_report_has_plain_totals() -> None:
    report = report_of(ProjectUsage("team-a", (read("recs", 1_234, 2_048),), backups=0, backup_bytes=0))
    text = render_report_text(report, color=False)
    assert "1,234" in text and "2.0 KiB" in text and ">=" not in text and "Unknown" not in text


@settings(max_examples=60, deadline=None)
@given(project=hostile, index=hostile, reason=hostile)
def test_hostile_names_are_inert_in_every_format(project: str, index: str, reason: str) -> None:
    report = report_of(
        ProjectUsage(project, (read(index, 3, 10), IndexUsage(index + "x", Deployment.POD, unknown=reason))),
        ProjectUsage("plain", backups=0, backup_bytes=0),
    )

    document = json.loads(render_report_json(report))
    assert document["projects"][0]["name"] == project  # JSON keeps the real name, escaped by JSON itself

    rows = list(csv.reader(io.StringIO(render_report_csv(report))))
    assert len(rows) == 4 and {len(r) for r in rows} == {len(rows[0])}
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
            assert not CONTROL.search(cell), cell

    markdown = render_report_markdown(report)
    blocks = re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.S)
    assert len(blocks) == 2 and markdown.count("```") == 4  # no name opened or closed a fence
    for block in blocks:
        title, *slices = block.split("\n")
        assert title.startswith("pie showData title ")
        for line in slices:
            assert re.fullmatch(
                rf'    "[A-Za-z0-9 ._-]{{1,{MERMAID_LABEL_MAX}}}( \(incomplete\))?" : \d+', line
            ), line
    assert not CONTROL.search(markdown)

    text = render_report_text(report, color=False)
    assert not CONTROL.search(text) and "\x1b" not in text
