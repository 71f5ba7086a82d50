"""A saved plan refuses to apply when live state moved, naming each object and what changed; a plan file
edited by hand into something declarate cannot read is refused with one clear line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.harness import Cli, Sdk

TEAM = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
    tags: {env: dev}
  - name: docs
    dimension: 8
"""

# The reviewed change: protect `recs`. `docs` is read by the plan but not changed by it.
TEAM_PROTECTED = TEAM.replace("tags: {env: dev}", "tags: {env: dev}\n    deletion_protection: enabled")


def saved_plan_after_review(cli: Cli) -> None:
    """Apply TEAM, then save a plan that protects `recs`, as a reviewed pull request would."""
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", TEAM_PROTECTED)
    planned = cli("plan", "-f", "config", "--out", "plan.json", "--detailed-exitcode")
    assert planned.code == 2, planned.output


def stale_lines(stderr: str) -> list[str]:
    return [line.strip().removeprefix("- ") for line in stderr.splitlines() if line.strip().startswith("- ")]


def test_stale_plan_names_the_changed_path_with_its_planned_and_live_values(cli: Cli, sdk: Sdk) -> None:
    saved_plan_after_review(cli)
    sdk.control("team-a").configure_index("recs", tags={"env": "prod"})

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert 'project/team-a/index/recs changed since the plan was made: tags.env "dev" -> "prod"' in (
        stale_lines(refused.stderr)
    )


def test_refused_stale_plan_changes_nothing(cli: Cli, sdk: Sdk) -> None:
    saved_plan_after_review(cli)
    control = sdk.control("team-a")
    control.configure_index("recs", tags={"env": "prod"})

    assert cli("apply", "plan.json").code == 1

    recs = control.describe_index("recs")
    assert recs.deletion_protection == "disabled"
    assert recs.tags["env"] == "prod"


def test_an_object_the_plan_only_read_is_named_without_detail(cli: Cli, sdk: Sdk) -> None:
    saved_plan_after_review(cli)
    sdk.control("team-a").configure_index("docs", tags={"owner": "someone-else"})

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    # The plan kept only a fingerprint of `docs` (it does not change it), so no values can be shown.
    assert "project/team-a/index/docs changed since the plan was made" in stale_lines(refused.stderr)


def test_every_moved_object_is_named_in_one_refusal(cli: Cli, sdk: Sdk) -> None:
    saved_plan_after_review(cli)
    control = sdk.control("team-a")
    control.configure_index("recs", deletion_protection="enabled")
    control.delete_index("docs")

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    lines = stale_lines(refused.stderr)
    assert (
        'project/team-a/index/recs changed since the plan was made: deletion_protection "disabled" -> "enabled"'
        in lines
    )
    assert "project/team-a/index/docs was deleted since the plan was made" in lines
    assert "Run plan again." in refused.stderr


def test_an_object_created_by_someone_else_since_the_plan_is_named(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", TEAM + "  - name: logs\n    dimension: 8\n")
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    sdk.control("team-a").create_index(name="logs", dimension=8, metric="cosine")

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert "project/team-a/index/logs was created by someone else since the plan was made" in stale_lines(
        refused.stderr
    )


def test_a_fresh_plan_still_applies(cli: Cli) -> None:
    saved_plan_after_review(cli)
    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def _wrong_version(plan: dict[str, Any]) -> str:
    return json.dumps({**plan, "format_version": "1"})


def _not_an_object(plan: dict[str, Any]) -> str:
    return json.dumps([plan])


def _changes_not_a_list(plan: dict[str, Any]) -> str:
    return json.dumps({**plan, "changes": "create everything"})


def _attrs_not_an_object(plan: dict[str, Any]) -> str:
    changes = [{**change, "after": "dimension 8"} for change in plan["changes"]]
    return json.dumps({**plan, "changes": changes})


def _unknown_address(plan: dict[str, Any]) -> str:
    changes = [{**change, "address": "index/recs"} for change in plan["changes"]]
    return json.dumps({**plan, "changes": changes})


def _missing_changes(plan: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in plan.items() if k != "changes"})


def _cut_in_half(plan: dict[str, Any]) -> str:
    text = json.dumps(plan, indent=2)
    return text[: len(text) // 2]


def _not_json(plan: dict[str, Any]) -> str:
    return "format_version: 1\nchanges: []\n"


EDITS = [
    (_wrong_version, "unsupported plan format_version '1' (expected '2')"),
    (_not_an_object, "expected a JSON object, found an array"),
    (_changes_not_a_list, "each change must be an object, found a string"),
    (_attrs_not_an_object, "must be an object or null, found a string"),
    (_unknown_address, "not an address: 'index/recs'"),
    (_missing_changes, "missing key 'changes'"),
    (_cut_in_half, "not a declarate plan"),
    (_not_json, "not a declarate plan"),
]


@pytest.mark.parametrize(
    ("edit", "says"), [pytest.param(edit, says, id=edit.__name__.strip("_")) for edit, says in EDITS]
)
def test_plan_file_edited_by_hand_is_refused_with_a_clear_message(
    cli: Cli, server: Any, edit: Any, says: str
) -> None:
    cli.write("config/team.yaml", TEAM)
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    plan = json.loads((cli.cwd / "plan.json").read_text())
    (cli.cwd / "plan.json").write_text(edit(plan))
    server.reset_stats()

    refused = cli("apply", "plan.json")  # the harness fails the test on any traceback

    assert refused.code == 1
    assert refused.stderr.startswith("Error: plan.json: not a declarate plan")
    assert says in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert server.stats()["total"] == 0  # refused before anything was sent
