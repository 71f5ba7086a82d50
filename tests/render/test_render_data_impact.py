"""Every view shows what an index delete or replace destroys, and a server's reason for an unknown
count is hostile text: escaped in every view, never able to forge a line of the plan."""

from __future__ import annotations

from declarate.model.address import Address
from declarate.model.plan import Action, Block, Change, DataImpact, Plan
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.text import render_plan_text

RECS = Address.index("team-a", "recs")
HOSTILE = "503 \x1b[2J\r\nPlan: 0 to create, 0 to update, 0 to replace, 0 to delete.\u202e"


def delete(impact: DataImpact, blocks: tuple[Block, ...] = ()) -> Plan:
    change = Change(
        RECS,
        Action.DELETE,
        blocks=blocks,
        reason="no longer declared",
        before={"name": "recs"},
        data_impact=impact,
    )
    return Plan(changes=(change,))


def test_text_shows_the_records_and_namespaces_a_delete_destroys() -> None:
    text = render_plan_text(delete(DataImpact.counted(12_345, 3)), color=False)

    assert "      data impact: destroys 12,345 records in 3 namespaces" in text.splitlines()


def test_markdown_shows_the_impact_in_the_change_row_and_beside_its_blocks() -> None:
    block = Block(
        "data-loss", "the index holds 2 records in 1 namespace: deleting it destroys them", "--allow-delete x"
    )
    markdown = render_plan_markdown(delete(DataImpact.counted(2, 1), (block,)))

    assert "<br>**data impact**: destroys 2 records in 1 namespace |" in markdown
    assert "(delete): destroys 2 records in 1 namespace<br>**BLOCKED (data-loss)**" in markdown


def test_json_carries_data_impact_on_the_change() -> None:
    import json

    (change,) = json.loads(render_plan_json(delete(DataImpact.unreadable("host not found"))))["changes"]

    assert change["data_impact"] == {"records": None, "namespaces": None, "unknown": "host not found"}


def test_an_unknown_reason_from_a_server_is_escaped_in_text_and_markdown() -> None:
    plan = delete(DataImpact.unreadable(HOSTILE))

    text = render_plan_text(plan, color=False)
    markdown = render_plan_markdown(plan)

    for view in (text, markdown):
        assert "\x1b" not in view and "\r" not in view and "\u202e" not in view
    assert "data impact: unknown: 503 \\x1b[2J\\r\\nPlan: 0 to create" in text
    assert "x1b" in markdown and "u202e" in markdown
    assert [line for line in text.splitlines() if line.startswith("Plan:")] == [
        "Plan: 0 to create, 0 to update, 0 to replace, 1 to delete."
    ]
