"""The drift report shows the data impact of correcting drift where the plan shows it: an index the
config dropped (delete) or changed immutably (replace) destroys records, a renamed one carries them;
a server's reason for an unknown count is escaped like every other hostile string."""

from __future__ import annotations

import json

from declarate.model.address import Address
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Change, DataImpact, FieldDiff, Plan
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text

RECS = Address.index("team-a", "recs")
DOCS = Address.index("team-a", "docs")
NEW = Address.index("team-a", "recs-v2")
HOSTILE = "503 \x1b[2J\r\nDrift: 0 objects differ"


def drifted() -> Plan:
    dimension = FieldDiff("dimension", 8, 16, "dimension is immutable", mutability=Mutability.REPLACE)
    return Plan(
        changes=(
            Change(RECS, Action.DELETE, reason="no longer declared", data_impact=DataImpact.counted(5, 2)),
            Change(DOCS, Action.REPLACE, fields=(dimension,), data_impact=DataImpact.unreadable(HOSTILE)),
            Change(NEW, Action.RENAME, renamed_from=RECS, data_impact=DataImpact.counted(7, 1)),
            Change(Address.index("team-a", "fresh"), Action.CREATE),
        )
    )


def test_text_shows_each_impact_under_its_change() -> None:
    lines = render_drift_text(drifted(), coverage=(3, 3)).splitlines()

    assert "      data impact: destroys 5 records in 2 namespaces" in lines
    assert "      data impact: carries 7 records in 1 namespace" in lines
    assert sum(1 for line in lines if "data impact" in line) == 3


def test_json_carries_data_impact_on_the_entries_that_have_one() -> None:
    report = json.loads(render_drift_json(drifted(), coverage=(3, 3)))

    (extra,) = report["extra"]
    assert extra["data_impact"] == {"records": 5, "namespaces": 2, "unknown": None}
    impacts = {c["address"]: c.get("data_impact") for c in report["changed"]}
    assert impacts[str(NEW)] == {"records": 7, "namespaces": 1, "unknown": None}
    assert impacts[str(DOCS)] == {"records": None, "namespaces": None, "unknown": HOSTILE}
    assert "data_impact" not in report["missing"][0]


def test_markdown_shows_the_impact_in_the_reason_cell() -> None:
    markdown = render_drift_markdown(drifted(), coverage=(3, 3))

    assert "no longer declared<br>**data impact**: destroys 5 records in 2 namespaces" in markdown
    assert "<br>**data impact**: carries 7 records in 1 namespace" in markdown


def test_an_unknown_reason_is_escaped_in_text_and_markdown() -> None:
    text = render_drift_text(drifted(), coverage=(3, 3))
    markdown = render_drift_markdown(drifted(), coverage=(3, 3))

    for view in (text, markdown):
        assert "\x1b" not in view and "\r" not in view
    assert "data impact: unknown: 503 \\x1b[2J\\r\\nDrift: 0 objects differ" in text
