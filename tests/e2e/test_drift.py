"""The nightly drift cron: exit 2 with a report saying what drifted and how."""

from __future__ import annotations

import json

from tests.e2e.harness import Cli, Sdk

TEAM = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
    tags: {team: a}
  - name: docs
    dimension: 8
  - name: logs
    dimension: 8
    deletion_protection: disabled
"""


def test_in_sync_is_exit_0(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    result = cli("drift", "-f", "config")
    assert result.code == 0, result.output


def test_out_of_band_changes_are_reported_with_before_and_after(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    control = sdk.control("team-a")
    control.configure_index("recs", tags={"team": "b"})
    control.configure_index("logs", deletion_protection="enabled")
    control.delete_index("docs")
    control.create_index(name="handmade", dimension=4, metric="cosine")

    result = cli("drift", "-f", "config", "--format", "json")
    assert result.code == 2, result.output
    report = json.loads(result.stdout)
    assert report["drifted"] is True
    changed = {c["address"]: c for c in report["changed"]}
    recs = changed["project/team-a/index/recs"]
    assert {"path": "tags.team", "before": "b", "after": "a"}.items() <= recs["fields"][0].items()
    assert "project/team-a/index/logs" in changed
    assert [m["address"] for m in report["missing"]] == ["project/team-a/index/docs"]
    # The SDK's own out-of-band key is unmanaged too; the hand-made index is what matters here.
    assert "project/team-a/index/handmade" in [u["address"] for u in report["unmanaged"]]
    assert report["coverage"]["managed"] < report["coverage"]["live"]


def test_unmanaged_objects_alone_are_not_drift_unless_asked(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    sdk.control("team-a").create_index(name="handmade", dimension=4, metric="cosine")
    assert cli("drift", "-f", "config").code == 0
    assert cli("drift", "-f", "config", "--fail-on-unmanaged").code == 2


def test_markdown_drift_report_fits_a_pr_comment(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    sdk.control("team-a").configure_index("recs", tags={"team": "b"})
    result = cli("drift", "-f", "config", "--format", "markdown")
    assert result.code == 2
    assert "project/team-a/index/recs" in result.stdout
    assert len(result.stdout) <= 60_000
