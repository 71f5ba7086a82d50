"""The repository's GitHub Action (`action.yml`): its interface, and its shell steps run for real.

The composite steps run as the runner would (`actions_runner.Runner.run_action`) against a served
local control plane and a copy of `examples/quickstart`; a stand-in `declarate` checks exactly which
arguments and environment hostile inputs turn into.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.actions_runner import Runner, load_action
from tests.e2e.harness import Sdk

INPUTS = {
    "command",
    "config",
    "args",
    "plan",
    "plan_key",
    "env",
    "output",
    "fail_on_changes",
    "working_directory",
    "python_version",
}
OUTPUTS = {"exit_code", "has_changes", "plan_path", "output_path"}
PLAN_MARKER = "<!-- declarate-plan -->"


@pytest.fixture
def runner(server: Any, tmp_path: Path) -> Runner:
    made = Runner(tmp_path / "checkout", server)
    made.checkout()
    return made


@pytest.fixture
def credentials(server: Any) -> dict[str, str]:
    """The `env:` a workflow gives the action step: the service account and the API."""
    return {
        "PINECONE_CLIENT_ID": server.client_id,
        "PINECONE_CLIENT_SECRET": server.client_secret,
        "DECLARATE_API_URL": server.url,
    }


# --- the interface ---------------------------------------------------------------------------------


def test_the_action_is_composite_with_its_inputs_and_outputs() -> None:
    action = load_action()
    assert action["name"] and action["description"]
    assert set(action["inputs"]) == INPUTS
    assert all(
        spec.get("description") and spec.get("required") is False for spec in action["inputs"].values()
    )
    assert action["inputs"]["command"]["default"] == "plan"
    assert action["inputs"]["fail_on_changes"]["default"] == "false"
    assert {name: spec["value"] for name, spec in action["outputs"].items()} == {
        name: f"${{{{ steps.run.outputs.{name} }}}}" for name in OUTPUTS
    }
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert steps[0]["uses"] == "actions/setup-python@v5"
    assert steps[0]["with"] == {"python-version": "${{ inputs.python_version }}"}
    install = steps[1]
    # Installed from the action's own checkout, never from a package index.
    assert install["env"] == {"DECLARATE_ACTION_PATH": "${{ github.action_path }}"}
    assert 'pip install --disable-pip-version-check --quiet "$DECLARATE_ACTION_PATH"' in install["run"]
    assert [s.get("id") for s in steps] == [None, None, "run"]


def test_inputs_reach_the_scripts_only_through_environment_variables() -> None:
    # `${{ }}` inside a script is pasted into the shell before it runs: an injection risk.
    for each in load_action()["runs"]["steps"]:
        assert "${{" not in each.get("run", ""), each["name"]
    run = load_action()["runs"]["steps"][2]
    for name in INPUTS - {"python_version", "working_directory"}:
        assert run["env"][f"DECLARATE_INPUT_{name.upper()}"] == f"${{{{ inputs.{name} }}}}"


# --- run against the served control plane ------------------------------------------------------------


def test_plan_with_changes_passes_saves_the_plan_and_reports_it(
    runner: Runner, credentials: dict[str, str]
) -> None:
    inputs = {"command": "plan", "config": "config", "plan": "plan.json", "output": "plan.md"}
    done = runner.run_action({**inputs, "args": "--format markdown"}, credentials)

    assert done.code == 0, done.output  # changes are what a plan check is for
    assert done.outputs == {
        "exit_code": "2",
        "has_changes": "true",
        "plan_path": str(runner.workspace / "plan.json"),
        "output_path": str(runner.workspace / "plan.md"),
    }
    assert json.loads((runner.workspace / "plan.json").read_text())["has_changes"] is True
    markdown = (runner.workspace / "plan.md").read_text()
    assert markdown.startswith(PLAN_MARKER)
    assert "project/apparel-team/index/apparel-recs" in markdown
    assert "declarate, version" in done.stdout  # the install step said which declarate runs


def test_apply_of_the_saved_plan_converges(runner: Runner, credentials: dict[str, str]) -> None:
    saved = runner.run_action({"command": "plan", "config": "config", "plan": "plan.json"}, credentials)
    assert saved.outputs["exit_code"] == "2"

    applied = runner.run_action({"command": "apply", "plan": "plan.json"}, credentials)

    assert applied.code == 0, applied.output
    assert applied.outputs["exit_code"] == "0"
    assert applied.outputs["plan_path"] == str(runner.workspace / "plan.json")
    again = runner.run_action({"command": "plan", "config": "config"}, credentials)
    assert (again.code, again.outputs["exit_code"], again.outputs["has_changes"]) == (0, "0", "false")
    assert again.outputs["plan_path"] == ""


def test_blocked_changes_fail_the_step_after_writing_every_output(
    runner: Runner, credentials: dict[str, str]
) -> None:
    applied = runner.run_action(
        {"command": "apply", "config": "config", "args": "--auto-approve"}, credentials
    )
    assert applied.code == 0, applied.output
    team = runner.workspace / "config" / "projects" / "apparel-team.yaml"
    team.write_text(team.read_text().replace("dimension: 1536", "dimension: 768"))
    (runner.workspace / "plan.json").write_text("{}")  # from an earlier run

    done = runner.run_action({"command": "plan", "config": "config", "plan": "plan.json"}, credentials)

    assert done.code == 3
    assert done.outputs["exit_code"] == "3" and done.outputs["has_changes"] == "true"
    # The saved plan is this run's (blocked, for the record), never the older file.
    assert done.outputs["plan_path"] == str(runner.workspace / "plan.json")
    assert json.loads((runner.workspace / "plan.json").read_text())["blocked"] is True
    assert "::error title=declarate::declarate plan: the plan has blocked changes (exit 3)." in done.stderr


def test_invalid_config_fails_the_step_with_annotations_on_the_lines(runner: Runner) -> None:
    team = runner.workspace / "config" / "projects" / "apparel-team.yaml"
    team.write_text(team.read_text().replace("dimension: 1536", "dimensoin: 1536"))

    done = runner.run_action({"command": "validate", "config": "config"}, {})

    assert done.code == 1
    assert done.outputs["exit_code"] == "1" and done.outputs["has_changes"] == "false"
    assert re.search(r"^::error file=config/projects/apparel-team.yaml,line=\d+", done.stderr, re.MULTILINE)


def test_drift_is_a_finding_unless_fail_on_changes(
    runner: Runner, credentials: dict[str, str], sdk: Sdk
) -> None:
    applied = runner.run_action(
        {"command": "apply", "config": "config", "args": "--auto-approve"}, credentials
    )
    assert applied.code == 0, applied.output
    in_sync = runner.run_action({"command": "drift", "config": "config"}, credentials)
    assert (in_sync.code, in_sync.outputs["has_changes"]) == (0, "false")
    sdk.control("apparel-team").configure_index("apparel-recs", tags={"team": "shoes"})

    reported = runner.run_action(
        {"command": "drift", "config": "config", "args": "--format json"}, credentials
    )
    gated = runner.run_action(
        {"command": "drift", "config": "config", "fail_on_changes": "true"}, credentials
    )

    assert (reported.code, reported.outputs["exit_code"], reported.outputs["has_changes"]) == (0, "2", "true")
    assert json.loads(reported.stdout[reported.stdout.index("{") :])["drifted"] is True
    assert (gated.code, gated.outputs["exit_code"]) == (2, "2")


def test_a_wrong_command_or_flag_value_fails_clearly(runner: Runner) -> None:
    for inputs, message in [
        (
            {"command": "--help"},
            "the input 'command' must be a declarate command such as validate, plan, apply or drift",
        ),
        ({"command": "plan", "fail_on_changes": "yes"}, "the input 'fail_on_changes' must be true or false"),
        ({"command": "apply", "plan": "missing.json"}, "the plan to apply was not found: missing.json"),
        ({"command": "plan", "args": "--only 'unclosed"}, "the input 'args' could not be split into words"),
    ]:
        done = runner.run_action(inputs, {})
        assert (done.code, done.outputs["exit_code"]) == (1, "1"), inputs
        assert f"::error title=declarate action::{message}" in done.stderr
    unknown = runner.run_action({"command": "destroy"}, {})
    assert (unknown.code, unknown.outputs["exit_code"]) == (1, "1")
    assert "No such command 'destroy'" in unknown.stderr


# --- hostile inputs ----------------------------------------------------------------------------------

FAKE_DECLARATE = """#!/bin/sh
# Records its arguments (NUL-separated) and the variables the action sets, then exits as told.
if [ "$1" = "--version" ]; then echo "declarate, version fake"; exit 0; fi
printf '%s\\0' "$@" > "$FAKE_RECORD/argv"
printf '%s' "${DECLARATE_PLAN_KEY-<unset>}" > "$FAKE_RECORD/plan_key"
printf '%s' "${DECLARATE_ENV-<unset>}" > "$FAKE_RECORD/env"
echo "report on stdout"
exit "${FAKE_EXIT:-0}"
"""


@pytest.fixture
def fake(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """`fake(runner, inputs, exit=0)`: run the action with a stand-in declarate; what it received."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "declarate").write_text(FAKE_DECLARATE)
    (bin_dir / "declarate").chmod(0o755)
    record = tmp_path / "record"
    record.mkdir()

    def run(runner: Runner, inputs: dict[str, str], exit: int = 0) -> dict[str, Any]:
        path = f"{bin_dir}:{runner._base_env()['PATH']}"
        env = {"PATH": path, "FAKE_RECORD": str(record), "FAKE_EXIT": str(exit)}
        done = runner.run_action(inputs, env)
        argv = (record / "argv").read_bytes().decode().split("\0")[:-1]
        received = {name: (record / name).read_text() for name in ("plan_key", "env")}
        return {"done": done, "argv": argv, **received}

    return run


def test_hostile_inputs_are_passed_as_data_never_run(
    runner: Runner, fake: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    canary = tmp_path / "pwned"
    inputs = {
        "command": "plan",
        "config": f"  my config \n\n$(touch {canary})\n`touch {canary}`;touch {canary}\n",
        "args": f"--only 'project/a b' \"--x=$HOME\" ;touch {canary} '$(touch {canary})'",
        "plan": f"plans/$(touch {canary}).json",
        "plan_key": f'k"; touch {canary}; "',
        "env": f"staging$(touch {canary})",
        "output": "out put.md",
    }

    got = fake(runner, inputs)

    assert not canary.exists()
    plan = str(runner.workspace / "plans" / f"$(touch {canary}).json")
    assert got["argv"] == [
        "plan",
        *("-f", "my config", "-f", f"$(touch {canary})", "-f", f"`touch {canary}`;touch {canary}"),
        *("--out", plan, "--detailed-exitcode"),
        *("--only", "project/a b", "--x=$HOME", ";touch", str(canary), f"$(touch {canary})"),
    ]
    assert got["plan_key"] == inputs["plan_key"]
    assert got["env"] == inputs["env"]
    assert f"::add-mask::{inputs['plan_key']}" in got["done"].stdout  # GitHub hides it in the log
    assert (runner.workspace / "out put.md").read_text() == "report on stdout\n"


def test_empty_inputs_leave_the_variables_unset(runner: Runner, fake: Callable[..., dict[str, Any]]) -> None:
    got = fake(runner, {"command": "validate"})

    assert got["argv"] == ["validate"]  # declarate's default config root
    assert (got["plan_key"], got["env"]) == ("<unset>", "<unset>")
    assert got["done"].outputs == {
        "exit_code": "0",
        "has_changes": "false",
        "plan_path": "",
        "output_path": "",
    }


def test_the_step_fails_with_declarates_exit_code(
    runner: Runner, fake: Callable[..., dict[str, Any]]
) -> None:
    for code, step_code, has_changes in [(1, 1, "false"), (2, 0, "true"), (3, 3, "true"), (4, 4, "false")]:
        done = fake(runner, {"command": "plan"}, exit=code)["done"]
        assert (done.code, done.outputs["exit_code"], done.outputs["has_changes"]) == (
            step_code,
            str(code),
            has_changes,
        )


def test_a_plan_file_from_an_earlier_run_never_passes_for_this_ones(
    runner: Runner, fake: Callable[..., dict[str, Any]]
) -> None:
    earlier = runner.workspace / "plan.json"
    earlier.write_text("{}")

    done = fake(runner, {"command": "plan", "plan": "plan.json"}, exit=1)["done"]  # wrote no plan

    assert done.outputs["plan_path"] == ""
    assert not earlier.exists()
