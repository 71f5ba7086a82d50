"""The Markdown plan fits a PR comment: marker, summary table, blocks, details per project, a hard limit."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from render_fixtures import full_plan, large_plan
from strategies import plans

from declarate.model.address import Address
from declarate.model.plan import Action, Block, Change, FieldDiff, Plan, Unmanaged
from declarate.render.markdown import MARKER, render_plan_markdown


def test_the_sticky_comment_marker_comes_first() -> None:
    assert render_plan_markdown(full_plan()).startswith("<!-- declarate-plan -->\n")
    assert render_plan_markdown(Plan()).startswith(MARKER)


def test_summary_table_then_blocked_then_one_details_block_per_project_then_unmanaged() -> None:
    text = render_plan_markdown(full_plan(), title="Plan for production")
    table = text.index("| create | update | adopt | replace | delete | blocked | unmanaged |")
    counts = text.index("| 3 | 2 | 1 | 1 | 2 | 2 | 2 |")
    blocked = text.index("### Blocked changes")
    first_details = text.index("<details>")
    unmanaged = text.index("### Unmanaged objects")
    assert "## Plan for production" in text
    assert table < counts < blocked < first_details < unmanaged
    assert text.count("<details>") == text.count("</details>") == 2
    assert "<summary><code>project/apparel-team</code>: 2 to create, 2 to update" in text
    assert "<summary><code>organization</code>: 1 to create, 1 to delete</summary>" in text


def test_blocked_changes_are_called_out_with_the_override() -> None:
    text = render_plan_markdown(full_plan())
    blocked = text[text.index("### Blocked changes") : text.index("<details>")]
    assert "`project/apparel-team/index/archive` (delete): **BLOCKED (deletion\\_protection)**" in blocked
    assert "override: `disable deletion protection on the index first`" in blocked


def test_field_diffs_are_in_a_diff_block() -> None:
    text = render_plan_markdown(full_plan())
    assert (
        "```diff\n~ project/apparel-team\n-     max_pods: 0\n+     max_pods: 4  (projects/apparel-team.yaml:4)\n"
        in text
    )
    assert "      # dimension is immutable: replacing the index deletes all its vectors" in text


def test_a_30_project_by_20_index_plan_fits_in_60000_characters_and_says_what_was_left_out() -> None:
    plan = large_plan(projects=30, indexes=20)
    assert len(plan.changes) == 600
    text = render_plan_markdown(plan)
    assert len(text) <= 60_000
    shown = text.count("<details>")
    assert 0 < shown < 30
    note = re.search(r"\*\*Truncated:\*\* (\d+) of 30 sections \((\d+) of 600 changes\)", text)
    assert note is not None
    assert int(note.group(1)) == 30 - shown
    assert int(note.group(2)) == 20 * (30 - shown)
    assert "Run `declarate plan` locally for the full plan." in text
    assert "The attributes of objects to create are left out" in text
    # The summary still counts everything, and no details block is cut in half.
    assert "| 600 | 0 | 0 | 0 | 0 | 0 | 0 |" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.count("```") % 2 == 0


def test_attributes_of_creates_are_left_out_before_any_project_is() -> None:
    plan = large_plan(projects=8, indexes=20)
    text = render_plan_markdown(plan)
    assert len(text) <= 60_000
    assert "The attributes of objects to create are left out to fit the size of a comment." in text
    assert "Truncated" not in text
    assert all(str(change.address) in text for change in plan.changes)
    assert '"dense_vector"' not in text


def test_a_plan_that_fits_is_not_truncated() -> None:
    assert "Truncated" not in render_plan_markdown(full_plan())


@settings(max_examples=100, deadline=None)
@given(plans, st.integers(min_value=0, max_value=5_000))
def test_markdown_never_exceeds_its_limit(plan: Plan, limit: int) -> None:
    assert len(render_plan_markdown(plan, limit=limit)) <= limit


@settings(max_examples=50, deadline=None)
@given(plans)
def test_markdown_within_the_default_limit_shows_every_change(plan: Plan) -> None:
    text = render_plan_markdown(plan)
    for change in plan.changes:
        assert str(change.address) in text


def test_values_are_escaped_so_they_cannot_break_tables_or_inject_html() -> None:
    nasty = "a | b `tick` <img src=x onerror=alert(1)> *bold*"
    plan = Plan(
        changes=(
            Change(
                Address.index("p", "i"),
                Action.UPDATE,
                reason=nasty,
                fields=(FieldDiff("tags.note", "```\n</details>", nasty, "in place"),),
                blocks=(Block("policy", nasty, "pass `--flag` | other"),),
            ),
        ),
        unmanaged=(Unmanaged(Address.project_("x"), nasty),),
    )
    text = render_plan_markdown(plan)
    # Inside the diff block values are code, shown literally; the block's fence outgrows any backtick
    # run in them, so a value holding a fence cannot close it.
    fenced = re.search(r"^````diff\n.*?^````$", text, flags=re.S | re.M)
    assert fenced is not None
    assert '+     tags.note: "a | b `tick` <img src=x onerror=alert(1)> *bold*"' in fenced.group(0)
    outside = text.replace(fenced.group(0), "")
    assert "<img" not in outside
    assert "&lt;img src=x onerror=alert(1)&gt;" in outside
    assert "a \\| b \\`tick\\`" in outside
    assert "\\*bold\\*" in outside
    assert outside.count("</details>") == 1
    assert "``pass `--flag` | other``" in outside


def test_an_empty_plan_says_live_state_matches() -> None:
    text = render_plan_markdown(Plan())
    assert "No changes. Live state matches the config." in text
    assert "<details>" not in text
