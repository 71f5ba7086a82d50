"""A saved plan is re-derived, not trusted: apply recomputes it from the config and overrides it holds,
and applies it only when the changes are identical (DESIGN §9.1). Each test edits the file the way an
attacker with write access to a CI artifact would, and checks that nothing was applied."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.harness import Cli, Sdk

TEAM = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
  - name: docs
    dimension: 8
"""
TAGGED = TEAM.replace("name: recs\n    dimension: 8", "name: recs\n    dimension: 8\n    tags: {env: dev}")
KEY = {"DECLARATE_PLAN_KEY": "correct horse battery staple"}


def reviewed_plan(
    cli: Cli, config: str = TAGGED, *flags: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Apply TEAM, then save the plan that moves to `config`, as a reviewed pull request would."""
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", config)
    planned = cli("plan", "-f", "config", "--out", "plan.json", *flags, extra_env=env)
    assert planned.code in (0, 3), planned.output
    document: dict[str, Any] = json.loads((cli.cwd / "plan.json").read_text())
    return document


def edited(cli: Cli, document: dict[str, Any], edit: Callable[[dict[str, Any]], Any]) -> None:
    edit(document)
    (cli.cwd / "plan.json").write_text(json.dumps(document))


def refusal_lines(stderr: str) -> list[str]:
    return [line.strip().removeprefix("- ") for line in stderr.splitlines() if line.strip().startswith("- ")]


def assert_nothing_applied(cli: Cli) -> None:
    """The reviewed change is still pending, and nothing else happened."""
    replanned = cli("plan", "-f", "config", "--format", "json")
    assert [(c["address"], c["action"]) for c in json.loads(replanned.stdout)["changes"]] == [
        ("project/team-a/index/recs", "update")
    ]


def test_an_unedited_plan_applies(cli: Cli) -> None:
    reviewed_plan(cli)
    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_the_plan_file_embeds_the_desired_state_and_overrides(cli: Cli) -> None:
    document = reviewed_plan(cli, TAGGED, "--only", "project/team-a/index/recs")
    inputs = document["inputs"]
    recs = next(r for r in inputs["desired"]["resources"] if r["address"] == "project/team-a/index/recs")
    assert recs["attrs"]["tags"] == {"env": "dev"}
    assert recs["origins"]["tags.env"]["line"] == 6
    assert inputs["overrides"]["only"] == ["project/team-a/index/recs"]
    assert inputs["settings"]["ownership_tag"] == {"key": "managed-by", "value": "declarate"}


def test_a_hand_edited_field_is_refused(cli: Cli) -> None:
    document = reviewed_plan(cli)
    edited(cli, document, lambda d: d["changes"][0]["fields"][0].update(after="prod"))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert (
        'project/team-a/index/recs: tags.env: the plan says (none) -> "prod"; re-planning now says (none) -> "dev"'
        in (refusal_lines(refused.stderr))
    )
    assert "Nothing was applied" in refused.stderr
    assert_nothing_applied(cli)


def test_hand_edited_attributes_are_refused_even_when_the_fields_agree(cli: Cli) -> None:
    document = reviewed_plan(cli)
    edited(cli, document, lambda d: d["changes"][0]["after"].update(deletion_protection="enabled"))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert any(
        line.startswith("project/team-a/index/recs: after differs") for line in refusal_lines(refused.stderr)
    )
    assert_nothing_applied(cli)


def test_an_added_delete_of_an_unmanaged_index_is_refused(cli: Cli, sdk: Sdk) -> None:
    document = reviewed_plan(cli)
    sdk.control("team-a").create_index(
        name="theirs", dimension=8, spec={"serverless": {"cloud": "aws", "region": "us-east-1"}}
    )
    document = reviewed_plan_again(cli)
    forged = {
        **document["changes"][0],
        "address": "project/team-a/index/theirs",
        "action": "delete",
        "fields": [],
    }
    edited(cli, document, lambda d: d["changes"].append(forged))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert (
        "project/team-a/index/theirs: the plan would delete it; re-planning now would not "
        "(not declared and not tagged managed-by=declarate)"
    ) in refusal_lines(refused.stderr)
    assert "theirs" in [i.name for i in sdk.control("team-a").list_indexes()]


def reviewed_plan_again(cli: Cli) -> dict[str, Any]:
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    document: dict[str, Any] = json.loads((cli.cwd / "plan.json").read_text())
    return document


def test_a_removed_block_is_refused(cli: Cli) -> None:
    document = reviewed_plan(
        cli, TEAM.replace("name: docs\n    dimension: 8", "name: docs\n    dimension: 16")
    )
    (change,) = document["changes"]
    assert [b["rule"] for b in change["blocks"]] == ["replace"]
    edited(cli, document, lambda d: d["changes"][0].update(blocks=[]))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert "project/team-a/index/docs: blocked by no rule in the plan; re-planning now: replace" in (
        refusal_lines(refused.stderr)
    )


def test_a_change_moved_to_another_address_is_refused(cli: Cli) -> None:
    document = reviewed_plan(cli)
    edited(cli, document, lambda d: d["changes"][0].update(address="project/team-a/index/docs"))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    lines = refusal_lines(refused.stderr)
    assert "project/team-a/index/docs: the plan would update it; re-planning now would not" in lines
    assert "project/team-a/index/recs: re-planning now would update it; the plan does not" in lines
    assert_nothing_applied(cli)


def test_a_plan_with_its_fingerprints_removed_is_refused(cli: Cli) -> None:
    document = reviewed_plan(cli)
    edited(cli, document, lambda d: d.update(fingerprints={}))

    refused = cli("apply", "plan.json")

    assert refused.code == 1
    assert "project/team-a/index/recs has no fingerprint in the plan" in refused.stderr
    assert_nothing_applied(cli)


def test_an_edited_desired_state_must_still_pass_every_ownership_rule(cli: Cli, sdk: Sdk) -> None:
    # Without a signing key the file is the config: an edit that is consistent with itself is what a
    # config change would do, so ownership still decides. An unmanaged index can never be deleted.
    document = reviewed_plan(cli)
    sdk.control("team-a").create_index(
        name="theirs", dimension=8, spec={"serverless": {"cloud": "aws", "region": "us-east-1"}}
    )
    document = reviewed_plan_again(cli)
    forged = {
        **document["changes"][0],
        "address": "project/team-a/index/theirs",
        "action": "delete",
        "fields": [],
    }
    document["inputs"]["overrides"]["allow_mass_delete"] = True
    edited(cli, document, lambda d: d["changes"].append(forged))

    assert cli("apply", "plan.json").code == 1
    assert "theirs" in [i.name for i in sdk.control("team-a").list_indexes()]


@pytest.mark.parametrize(
    "flags",
    [
        ("--only", "project/team-a"),
        ("--allow-replace", "project/team-a/index/recs"),
        ("--allow-mass-delete",),
    ],
)
def test_override_flags_beside_a_saved_plan_are_an_error(cli: Cli, flags: tuple[str, ...]) -> None:
    reviewed_plan(cli)

    refused = cli("apply", "plan.json", *flags)

    assert refused.code == 1
    assert "cannot be given with a saved plan" in refused.stderr
    assert "Run plan again with them" in refused.stderr
    assert_nothing_applied(cli)


def test_only_saved_in_the_plan_is_kept_at_apply(cli: Cli) -> None:
    config = TAGGED.replace(
        "name: docs\n    dimension: 8", "name: docs\n    dimension: 8\n    tags: {env: dev}"
    )
    reviewed_plan(cli, config, "--only", "project/team-a/index/recs")

    applied = cli("apply", "plan.json")

    assert applied.code == 0, applied.output
    replanned = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    assert [c["address"] for c in replanned["changes"]] == ["project/team-a/index/docs"]


def test_a_signed_plan_applies_with_its_key(cli: Cli) -> None:
    document = reviewed_plan(cli, env=KEY)
    assert document["signature"]["algorithm"] == "hmac-sha256"
    assert KEY["DECLARATE_PLAN_KEY"] not in (cli.cwd / "plan.json").read_text()

    applied = cli("apply", "plan.json", extra_env=KEY)

    assert applied.code == 0, applied.output


def test_a_signed_plan_edited_anywhere_is_refused(cli: Cli) -> None:
    document = reviewed_plan(cli, env=KEY)
    edited(cli, document, lambda d: d["inputs"]["overrides"].update(allow_mass_delete=True))

    refused = cli("apply", "plan.json", extra_env=KEY)

    assert refused.code == 1
    assert "signature does not match" in refused.stderr
    assert_nothing_applied(cli)


def test_an_unsigned_plan_is_refused_when_the_key_is_set(cli: Cli) -> None:
    reviewed_plan(cli)

    refused = cli("apply", "plan.json", extra_env=KEY)

    assert refused.code == 1
    assert "the plan is not signed, and DECLARATE_PLAN_KEY is set" in refused.stderr
    assert_nothing_applied(cli)


def test_a_plan_signed_with_another_key_is_refused(cli: Cli) -> None:
    reviewed_plan(cli, env={"DECLARATE_PLAN_KEY": "a key from a pull request"})

    refused = cli("apply", "plan.json", extra_env=KEY)

    assert refused.code == 1 and "signature does not match" in refused.stderr


def test_an_empty_key_at_apply_is_an_error_not_a_pass(cli: Cli) -> None:
    reviewed_plan(cli, env=KEY)

    refused = cli("apply", "plan.json", extra_env={"DECLARATE_PLAN_KEY": ""})

    assert refused.code == 1 and "DECLARATE_PLAN_KEY is set but empty" in refused.stderr
