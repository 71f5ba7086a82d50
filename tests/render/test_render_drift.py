"""The drift report: the plan read as what changed out of band, what is missing, what is extra."""

from __future__ import annotations

import json

from render_fixtures import full_plan, large_plan

from declarate.model.address import Address
from declarate.model.plan import Plan, Unmanaged
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text


def test_drift_json_sorts_changes_under_drift_headings() -> None:
    data = json.loads(render_drift_json(full_plan(), coverage=(12, 15)))
    assert list(data) == [
        "format_version",
        "target",
        "environment",
        "drifted",
        "coverage",
        "changed",
        "missing",
        "extra",
        "unmanaged",
    ]
    assert data["target"] == "local (embedded, .declarate/local.db)"
    assert data["environment"] is None  # no environments in the workspace
    assert data["format_version"] == "1"
    assert data["drifted"] is True
    assert data["coverage"] == {"managed": 12, "live": 15}
    assert [c["address"] for c in data["changed"]] == [
        "project/apparel-team",
        "project/apparel-team/api-key/recs-service",
        "project/apparel-team/index/apparel-search",
        "project/apparel-team/index/legacy-recs",
    ]
    assert [c["address"] for c in data["missing"]] == [
        "service-account/recs-ci",
        "project/apparel-team/index/apparel-recs",
        "project/apparel-team/role-binding/service-account:recs-ci/ProjectViewer",
    ]
    assert [c["address"] for c in data["extra"]] == [
        "project/apparel-team/index/archive",
        "organization/role-binding/user:alice@example.com/OrgMember",
    ]
    assert [u["address"] for u in data["unmanaged"]] == [
        "project/sandbox",
        "project/apparel-team/index/hand-made",
    ]


def test_a_changed_object_shows_live_before_and_config_after() -> None:
    data = json.loads(render_drift_json(full_plan(), coverage=(12, 15)))
    adopted = next(c for c in data["changed"] if c["action"] == "adopt")
    team = next(f for f in adopted["fields"] if f["path"] == "tags.team")
    assert (team["before"], team["after"]) == ("search", "apparel")
    text = render_drift_text(full_plan(), coverage=(12, 15))
    assert 'tags.team: live "search", config "apparel"' in text


def test_unmanaged_objects_alone_are_not_drift() -> None:
    plan = Plan(unmanaged=(Unmanaged(Address.project_("sandbox"), "not declared"),))
    data = json.loads(render_drift_json(plan, coverage=(3, 4)))
    assert data["drifted"] is False
    assert data["unmanaged"] == [{"address": "project/sandbox", "kind": "project", "reason": "not declared"}]
    text = render_drift_text(plan, coverage=(3, 4))
    assert text.startswith(
        "No drift. Live state matches the config.\nCoverage: 3/4 live objects managed (75%)."
    )
    assert "project/sandbox" in text


def test_coverage_rounds_down_so_100_percent_means_everything_is_managed() -> None:
    assert "999/1000 live objects managed (99%)" in render_drift_text(Plan(), coverage=(999, 1000))
    assert "5/5 live objects managed (100%)" in render_drift_text(Plan(), coverage=(5, 5))
    assert "0/0 live objects managed (no live objects)" in render_drift_text(Plan(), coverage=(0, 0))


def test_drift_text_has_a_headline_and_a_section_per_kind_of_drift() -> None:
    text = render_drift_text(full_plan(), coverage=(12, 15))
    assert text.splitlines()[0] == "Target: local (embedded, .declarate/local.db)"
    assert text.splitlines()[2] == (
        "Drift: 9 objects differ from the config "
        "(4 changed out of band, 3 missing live, 2 live but not in config)."
    )
    sections = ["Changed out of band", "Missing live", "Live but not in the config", "Unmanaged"]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "\x1b" not in text
    assert "\x1b" in render_drift_text(full_plan(), coverage=(12, 15), color=True)


def test_drift_markdown_has_its_marker_coverage_and_the_plan_limit() -> None:
    text = render_drift_markdown(full_plan(), coverage=(12, 15))
    assert text.startswith("<!-- declarate-drift -->\n")
    assert "12/15 live objects managed (80%)" in text
    big = render_drift_markdown(large_plan(30, 20), coverage=(0, 0))
    assert len(big) <= 60_000
    assert "Run `declarate drift` locally for the full report." in big
    assert big.count("<details>") == big.count("</details>")
