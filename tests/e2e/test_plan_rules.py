"""Ownership and safety rules as a user meets them through the CLI: role changes revoke, every block
shows at once, and the mass-deletion rules count only what declarate owns, at their boundaries."""

from __future__ import annotations

import json

from tests.e2e.harness import Cli, Sdk

ORGANIZATION = """
kind: Organization
service_accounts:
  - name: recs-ci
"""


def team(role: str) -> str:
    return f"""
kind: Project
name: team-a
role_bindings:
  - service_account: recs-ci
    role: {role}
"""


def indexes(count: int, *, project: str = "team-a") -> str:
    items = "".join(f"  - name: ix{n}\n    dimension: 8\n" for n in range(count))
    return (
        f"kind: Project\nname: {project}\nindexes:\n{items}" if count else f"kind: Project\nname: {project}\n"
    )


def test_downgrading_a_role_creates_the_new_binding_then_deletes_the_old_without_prune(cli: Cli) -> None:
    cli.write("config/organization.yaml", ORGANIZATION)
    cli.write("config/team.yaml", team("ProjectEditor"))
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", team("ProjectViewer"))

    planned = cli("plan", "-f", "config", "--format", "json")

    viewer = "project/team-a/role-binding/service-account:recs-ci/ProjectViewer"
    editor = "project/team-a/role-binding/service-account:recs-ci/ProjectEditor"
    changes = json.loads(planned.stdout)["changes"]
    assert [(c["address"], c["action"], c["depends_on"]) for c in changes] == [
        (viewer, "create", []),
        (editor, "delete", [viewer]),
    ]
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    after = cli("plan", "-f", "config", "--detailed-exitcode")
    assert after.code == 0, after.output
    assert editor not in after.stdout  # revoked, not reported as unmanaged


def test_a_protected_index_whose_dimension_changes_shows_every_block_at_once(cli: Cli) -> None:
    declared = "kind: Project\nname: team-a\nindexes:\n  - name: recs\n    dimension: 8\n    deletion_protection: enabled\n"
    cli.write("config/team.yaml", declared)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", declared.replace("dimension: 8", "dimension: 16"))

    text = cli("plan", "-f", "config")
    document = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    markdown = cli("plan", "-f", "config", "--format", "markdown")

    assert text.code == 3
    assert "BLOCKED (replace)" in text.stdout and "BLOCKED (deletion-protection)" in text.stdout
    assert "1 blocked." in text.stdout
    (change,) = document["changes"]
    assert [b["rule"] for b in change["blocks"]] == ["replace", "deletion-protection"]
    assert document["format_version"] == "2"
    assert (
        "**BLOCKED (replace)**" in markdown.stdout and "**BLOCKED (deletion-protection)**" in markdown.stdout
    )
    # The replace override alone does not get through: the other block was visible all along.
    overridden = cli("plan", "-f", "config", "--allow-replace", "project/team-a/index/recs")
    assert overridden.code == 3 and "BLOCKED (replace)" not in overridden.stdout


def test_github_annotations_name_every_rule(cli: Cli) -> None:
    declared = "kind: Project\nname: team-a\nindexes:\n  - name: recs\n    dimension: 8\n    deletion_protection: enabled\n"
    cli.write("config/team.yaml", declared)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", declared.replace("dimension: 8", "dimension: 16"))

    planned = cli("plan", "-f", "config", extra_env={"GITHUB_ACTIONS": "true"})

    titles = [
        line.split("title=")[1].split("::")[0] for line in planned.stderr.splitlines() if "::error" in line
    ]
    assert titles == ["declarate%3A blocked (replace)", "declarate%3A blocked (deletion-protection)"]


def test_deleting_one_of_three_indexes_is_not_a_mass_delete(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(3))
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", indexes(2))

    planned = cli("plan", "-f", "config")

    assert planned.code == 0, planned.output
    assert "0 to delete" not in planned.stdout and "1 to delete." in planned.stdout


def test_deleting_every_owned_index_is_blocked_until_allowed(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(2))
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", indexes(0))

    blocked = cli("plan", "-f", "config")
    allowed = cli("plan", "-f", "config", "--allow-mass-delete")

    assert blocked.code == 3
    assert (
        "BLOCKED (delete-all): this plan deletes all 2 indexes declarate owns in project/team-a"
        in blocked.stdout
    )
    assert allowed.code == 0 and "2 to delete" in allowed.stdout


def test_mass_delete_boundary_at_min_existing(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(10))
    assert cli("apply", "-f", "config", "--auto-approve", "--no-wait").code == 0

    cli.write("config/team.yaml", indexes(7))
    assert cli("plan", "-f", "config").code == 0  # 3 of 10: exactly 30%
    cli.write("config/team.yaml", indexes(6))
    blocked = cli("plan", "-f", "config")
    assert blocked.code == 3
    assert "deletes 4 of the 10 indexes declarate owns in project/team-a (40%" in blocked.stdout


def test_an_unowned_index_does_not_count_toward_the_mass_delete_fraction(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", indexes(9))
    assert cli("apply", "-f", "config", "--auto-approve", "--no-wait").code == 0
    sdk.control("team-a").create_index(
        name="theirs", dimension=8, spec={"serverless": {"cloud": "aws", "region": "us-east-1"}}
    )
    cli.write("config/team.yaml", indexes(5))

    planned = cli("plan", "-f", "config")

    assert planned.code == 0, planned.output  # 4 of 9 owned: below min_existing, whatever lives beside
    assert "4 to delete" in planned.stdout and "? project/team-a/index/theirs" in planned.stdout


def test_ensure_absent_is_exempt_from_the_mass_deletion_rules(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(3))
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", "kind: Project\nname: team-a\nensure: absent\n")

    planned = cli("plan", "-f", "config")

    assert planned.code == 0, planned.output
    assert "4 to delete" in planned.stdout


def test_a_targeting_flag_that_matches_nothing_is_an_error_with_a_suggestion(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(2))

    only = cli("plan", "-f", "config", "--only", "project/tema-a")
    replace = cli("apply", "-f", "config", "--auto-approve", "--allow-replace", "project/team-a/index/ix00")

    assert only.code == 1
    assert only.stderr.strip() == (
        "Error: --only project/tema-a matches nothing in the config or live state; did you mean project/team-a?"
    )
    assert replace.code == 1
    assert "--allow-replace project/team-a/index/ix00 matches nothing" in replace.stderr
    assert "did you mean project/team-a/index/ix0?" in replace.stderr
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 2  # nothing was applied


def test_only_says_how_many_changes_it_left_out(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(3))

    selected = cli("plan", "-f", "config", "--only", "project/team-a/index/ix1")
    document = json.loads(
        cli("plan", "-f", "config", "--only", "project/team-a/index/ix1", "--format", "json").stdout
    )

    assert "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete." in selected.stdout
    assert "3 changes outside --only were left out." in selected.stdout
    assert document["left_out"] == 3


def test_only_with_nothing_to_do_under_it_does_not_claim_live_matches(cli: Cli) -> None:
    cli.write("config/team.yaml", indexes(1))
    assert cli("apply", "-f", "config", "--auto-approve", "--only", "project/team-a").code == 0
    cli.write(
        "config/team.yaml", indexes(1) + "    tags: {env: dev}\n" + "  - name: extra\n    dimension: 8\n"
    )

    planned = cli("plan", "-f", "config", "--only", "project/team-a/index/ix0/")
    untouched = cli("plan", "-f", "config", "--only", "project/team-a", "--detailed-exitcode")

    assert (
        "Live state matches" not in cli("plan", "-f", "config", "--only", "project/team-a/index/ix9").stdout
    )
    assert planned.code == 0 and "1 to update" in planned.stdout
    assert untouched.code == 2
