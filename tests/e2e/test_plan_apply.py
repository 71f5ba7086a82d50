"""Plan and apply as a user meets them: from YAML on disk to a converged control plane."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.e2e.harness import Cli, Sdk

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"

TEAM = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
    metric: cosine
    spec: {serverless: {cloud: aws, region: us-east-1}}
    tags: {team: a}
"""


def test_quickstart_apply_then_plan_shows_no_changes(cli: Cli) -> None:
    shutil.copytree(QUICKSTART, cli.cwd / "quickstart")
    applied = cli("apply", "-f", "quickstart", "--auto-approve")
    assert applied.code == 0, applied.output
    replanned = cli("plan", "-f", "quickstart", "--detailed-exitcode")
    assert replanned.code == 0, replanned.output
    assert "No changes" in replanned.stdout


def test_embedded_default_target_works_with_no_server(embedded_cli: Cli) -> None:
    shutil.copytree(QUICKSTART, embedded_cli.cwd / "quickstart")
    applied = embedded_cli("apply", "-f", "quickstart", "--auto-approve")
    assert applied.code == 0, applied.output
    assert (embedded_cli.cwd / ".declarate" / "local.db").exists()
    replanned = embedded_cli("plan", "-f", "quickstart", "--detailed-exitcode")
    assert replanned.code == 0, replanned.output


def test_plan_detailed_exitcode_reports_pending_changes(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM)
    planned = cli("plan", "-f", "config", "--detailed-exitcode")
    assert planned.code == 2, planned.output
    assert "project/team-a/index/recs" in planned.stdout
    assert "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete." in planned.stdout


def test_apply_without_a_terminal_or_approval_is_refused_and_changes_nothing(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM)
    refused = cli("apply", "-f", "config")
    assert refused.code == 1
    assert "--auto-approve" in refused.stderr
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 2


def test_json_plan_is_versioned_and_lists_each_change(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM)
    planned = cli("plan", "-f", "config", "--format", "json")
    document = json.loads(planned.stdout)
    assert document["format_version"] == "2"
    assert document["has_changes"] is True
    assert [c["address"] for c in document["changes"]] == ["project/team-a", "project/team-a/index/recs"]
    index = document["changes"][1]
    assert index["source"]["file"].endswith("team.yaml")
    assert index["source"]["line"] == 4


def test_dimension_change_is_blocked_until_replace_is_allowed(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", TEAM.replace("dimension: 8", "dimension: 16"))
    blocked = cli("plan", "-f", "config")
    assert blocked.code == 3, blocked.output
    assert "--allow-replace project/team-a/index/recs" in blocked.stdout
    assert "dimension is immutable" in blocked.stdout
    refused = cli("apply", "-f", "config", "--auto-approve")
    assert refused.code == 3
    allowed = cli("apply", "-f", "config", "--auto-approve", "--allow-replace", "project/team-a/index/recs")
    assert allowed.code == 0, allowed.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_owned_index_removed_from_config_is_deleted(cli: Cli) -> None:
    cli.write("config/team.yaml", TEAM + "  - name: extra\n    dimension: 4\n")
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", TEAM)
    planned = cli("plan", "-f", "config", "--format", "json")
    changes = json.loads(planned.stdout)["changes"]
    assert [(c["address"], c["action"]) for c in changes] == [("project/team-a/index/extra", "delete")]
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_hand_made_index_is_reported_unmanaged_and_never_touched(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    sdk.control("team-a").create_index(name="handmade", dimension=4, metric="cosine")
    planned = cli("plan", "-f", "config", "--format", "json", "--detailed-exitcode")
    assert planned.code == 0, planned.output
    document = json.loads(planned.stdout)
    assert document["has_changes"] is False
    unmanaged_indexes = [u["address"] for u in document["unmanaged"] if u["kind"] == "index"]
    assert unmanaged_indexes == ["project/team-a/index/handmade"]
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    assert "handmade" in [i.name for i in sdk.control("team-a").list_indexes()]


def test_declared_untagged_index_is_adopted_not_recreated(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", "kind: Project\nname: team-a\n")
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    control = sdk.control("team-a")
    control.create_index(name="recs", dimension=8, metric="cosine", tags={"team": "b"})
    host_before = control.describe_index("recs").host
    cli.write("config/team.yaml", TEAM)
    planned = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    assert [(c["address"], c["action"]) for c in planned["changes"]] == [
        ("project/team-a/index/recs", "adopt")
    ]
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    adopted = control.describe_index("recs")
    assert adopted.host == host_before
    assert adopted.tags == {"team": "a", "managed-by": "declarate"}


def test_protected_index_delete_is_blocked(cli: Cli) -> None:
    cli.write(
        "config/team.yaml",
        TEAM.replace("tags: {team: a}", "tags: {team: a}\n    deletion_protection: enabled"),
    )
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", "kind: Project\nname: team-a\n")
    blocked = cli("plan", "-f", "config")
    assert blocked.code == 3
    assert "deletion protection" in blocked.stdout.lower()


def test_invalid_config_exits_1_naming_file_and_line_and_sends_nothing(cli: Cli, server: object) -> None:
    cli.write("config/team.yaml", TEAM.replace("dimension: 8", "dimension: 0"))
    before = server.stats()["total"]  # type: ignore[attr-defined]
    for command in (("validate",), ("plan",), ("apply", "--auto-approve"), ("drift",)):
        result = cli(*command, "-f", "config")
        assert result.code == 1, (command, result.output)
        assert "team.yaml:5" in result.output
    assert server.stats()["total"] == before  # type: ignore[attr-defined]
