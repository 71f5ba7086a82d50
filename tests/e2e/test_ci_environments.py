"""`examples/ci/environments.yml`: a matrix job plans every environment of examples/environments
through the repository's own action, passing only inputs the action declares (issue 14)."""

from __future__ import annotations

from typing import Any

import yaml

from tests.e2e.actions_runner import ACTION, REPO, load_workflow, only_job, triggers, uses_declarate

WORKFLOW = "environments.yml"


def action_inputs() -> set[str]:
    return set(yaml.safe_load(ACTION.read_text())["inputs"])


def declared_environments() -> list[str]:
    workspace = yaml.safe_load((REPO / "examples" / "environments" / "declarate.yaml").read_text())
    return list(workspace["environments"])


def test_the_workflow_is_a_pull_request_check_with_one_job_per_environment() -> None:
    workflow = load_workflow(WORKFLOW)
    job = only_job(workflow)

    assert "pull_request" in triggers(workflow)
    assert job["strategy"]["matrix"]["environment"] == declared_environments()
    assert job["strategy"]["fail-fast"] is False
    # Each job runs in the GitHub environment of the same name, which holds only its own secrets.
    assert job["environment"] == "${{ matrix.environment }}"


def test_the_action_gets_the_matrix_environment_and_only_inputs_it_declares() -> None:
    steps: list[dict[str, Any]] = only_job(load_workflow(WORKFLOW))["steps"]
    (plan,) = [s for s in steps if uses_declarate(s)]

    assert set(plan["with"]) <= action_inputs()
    assert "env" in action_inputs()
    assert plan["with"]["env"] == "${{ matrix.environment }}"
    assert plan["with"]["command"] == "plan"


def test_every_credential_variable_the_environments_name_is_passed() -> None:
    workspace = yaml.safe_load((REPO / "examples" / "environments" / "declarate.yaml").read_text())
    named = {
        variable
        for environment in workspace["environments"].values()
        for variable in environment["credentials"].values()
    }
    steps = only_job(load_workflow(WORKFLOW))["steps"]
    (plan,) = [s for s in steps if uses_declarate(s)]

    assert set(plan["env"]) == named
    assert all(value == f"${{{{ secrets.{name} }}}}" for name, value in plan["env"].items())
