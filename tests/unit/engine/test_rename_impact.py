"""An index rename shows what it carries (DESIGN §9.1): the old index's records and namespaces, read
with one describe_index_stats like a delete's, in every view; a rename is never blocked by data-loss."""

from __future__ import annotations

import dataclasses
import json

import pytest

from declarate.engine import plan
from declarate.engine.planner import NOT_READ, data_impact_targets
from declarate.model import defaults as d
from declarate.model.address import Address
from declarate.model.plan import Action, Change, DataImpact, Plan
from declarate.model.resource import Resource
from declarate.model.settings import Overrides
from declarate.model.state import State
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.text import render_plan_text

from .builders import SETTINGS, desired_state, index, live_state, owned, project

OLD = Address.index("a", "recs")
NEW = Address.index("a", "recs-v2")


def renamed(resource: Resource, old: str) -> Resource:
    return dataclasses.replace(
        resource, directives=dataclasses.replace(resource.directives, renamed_from=old)
    )


DESIRED = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
LIVE = live_state(project(), owned(index(name="recs")))
# A killed rename left only the new index, still carrying the marker that names the old one.
RESUMED = live_state(project(), owned(index(name="recs-v2", tags={d.RENAME_MARKER_TAG: "recs"})))


def the_rename(result: Plan) -> Change:
    (change,) = [c for c in result.changes if c.action is Action.RENAME]
    return change


def planned(live: State, impacts: dict[Address, DataImpact]) -> Change:
    return the_rename(plan(DESIRED, live, SETTINGS, Overrides(), impacts))


def test_a_rename_reads_the_stats_of_the_index_it_renames_once() -> None:
    draft = plan(DESIRED, LIVE, SETTINGS)

    assert data_impact_targets(draft, LIVE) == [OLD]
    assert data_impact_targets(draft) == [OLD]


def test_a_resumed_rename_reads_the_new_index_when_the_old_one_is_gone() -> None:
    draft = plan(DESIRED, RESUMED, SETTINGS)

    assert the_rename(draft).renamed_from == OLD
    assert data_impact_targets(draft, RESUMED) == [NEW]
    assert planned(RESUMED, {NEW: DataImpact.counted(4, 1)}).data_impact == DataImpact.counted(4, 1)


def test_a_rename_whose_two_names_are_live_still_reads_one_index() -> None:
    live = live_state(project(), owned(index(name="recs")), owned(index(name="recs-v2")))

    assert data_impact_targets(plan(DESIRED, live, SETTINGS), live) == [OLD]


def test_the_rename_carries_the_old_index_impact_and_is_not_blocked_by_data_loss() -> None:
    change = planned(LIVE, {OLD: DataImpact.counted(12_345, 3)})

    assert change.data_impact == DataImpact.counted(12_345, 3)
    assert change.blocks == ()


@pytest.mark.parametrize("impacts", [{}, {OLD: DataImpact.unreadable("describe_index_stats failed: 503")}])
def test_an_unknown_count_shows_its_reason_and_does_not_block_the_rename(
    impacts: dict[Address, DataImpact],
) -> None:
    change = planned(LIVE, impacts)

    assert change.data_impact is not None and change.data_impact.records is None
    assert change.data_impact.unknown in (NOT_READ, "describe_index_stats failed: 503")
    assert change.blocks == ()


def test_every_view_says_what_the_rename_carries() -> None:
    result = plan(DESIRED, LIVE, SETTINGS, Overrides(), {OLD: DataImpact.counted(12, 2)})

    text = render_plan_text(result, color=False)
    markdown = render_plan_markdown(result)
    (change,) = json.loads(render_plan_json(result))["changes"]

    assert "      data impact: carries 12 records in 2 namespaces" in text.splitlines()
    assert "destroys" not in text
    assert "<br>**data impact**: carries 12 records in 2 namespaces" in markdown
    assert change["data_impact"] == {"records": 12, "namespaces": 2, "unknown": None}
    assert Plan.from_json(result.to_json()) == result


def test_an_unknown_rename_impact_is_shown_with_its_reason() -> None:
    result = plan(DESIRED, LIVE, SETTINGS, Overrides(), {OLD: DataImpact.unreadable("host not found")})

    assert "      data impact: unknown: host not found" in render_plan_text(result, color=False).splitlines()


def _tags(count: int) -> dict[str, str]:
    return {f"t{n}": "x" for n in range(count)}


def test_a_rename_counts_its_marker_tag_against_the_tag_limit() -> None:
    # 18 of the user's own + the ownership tag + the marker = 20: allowed; one more is blocked.
    allowed = desired_state(project(), renamed(index(name="recs-v2", tags=_tags(18)), "recs"))
    blocked = desired_state(project(), renamed(index(name="recs-v2", tags=_tags(19)), "recs"))

    assert the_rename(plan(allowed, LIVE, SETTINGS)).blocks == ()
    (block,) = the_rename(plan(blocked, LIVE, SETTINGS)).blocks
    assert block.rule == "tag-limit"
    assert block.message == (
        "the renamed index would carry 21 tags while the rename runs: declarate's ownership tag "
        "managed-by=declarate and the rename's marker declarate-renaming-from count too; Pinecone allows at most 20"
    )
    assert block.override == (
        "none: declare at most 18 tags of your own on an index being renamed, and add the others once the "
        "rename is applied"
    )


def test_the_same_tags_without_a_rename_are_within_the_limit() -> None:
    desired = desired_state(project(), index(name="recs", tags=_tags(19)))

    (change,) = plan(desired, LIVE, SETTINGS).changes
    assert change.action is Action.UPDATE and change.blocks == ()
