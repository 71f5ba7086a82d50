"""The example GitHub Actions workflows in `examples/ci/` do what their comments say.

Each workflow is parsed, and every step that runs `declarate` (a `run:` script invoking it, or a
step that uses the repository's own action, whose composite steps are run) is executed in order, as the
runner would (`bash -eo pipefail`, `GITHUB_ACTIONS=true`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`; see
`actions_runner.py`), with
the workflow's `env:` evaluated against repository variables and secrets that point at a served local
control plane, and a copy of `examples/quickstart` as the config folder. Steps that only call GitHub
(`uses:`) are not run; the files they read (plan.md, plan.json, drift.md) and the step outputs their
conditions read are checked instead.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests.e2e.actions_runner import (
    CI,
    REPO,
    Runner,
    declarate_steps,
    load_workflow,
    only_job,
    step,
    triggers,
    uses_declarate,
)
from tests.e2e.harness import Cli, Sdk

PLAN_SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
WORKFLOWS = ("pr-check.yml", "deploy.yml", "drift.yml")
PLAN_MARKER = "<!-- declarate-plan -->"
DRIFT_MARKER = "<!-- declarate-drift -->"
ANNOTATION = re.compile(r"^::error file=([^,]+),line=(\d+),col=(\d+)", re.MULTILINE)


@pytest.fixture
def runner(server: Any, tmp_path: Path) -> Callable[..., Runner]:
    """A runner factory: one checkout per workflow run, all against the same control plane."""

    def make(name: str = "checkout", **variables: str) -> Runner:
        return Runner(tmp_path / name, server, {"DECLARATE_API_URL": server.url, **variables})

    return make


def secret_values(*directories: Path) -> list[str]:
    return [
        p.read_text().strip()
        for d in directories
        if d.exists()
        for p in d.iterdir()
        if p.name != ".gitignore"
    ]


# --- the workflows as files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_is_well_formed_github_actions(name: str) -> None:
    workflow = load_workflow(name)
    assert workflow["name"]
    assert triggers(workflow)
    assert workflow["permissions"]["contents"] == "read"
    job = only_job(workflow)
    assert job["runs-on"] == "ubuntu-latest"
    for each in job["steps"]:
        assert each.get("name"), each
        assert ("uses" in each) != ("run" in each), each
        if "uses" in each and not uses_declarate(each):
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", each["uses"]), each["uses"]
    assert workflow["env"]["DECLARATE_CONFIG_DIR"] == "${{ vars.DECLARATE_CONFIG_DIR || 'config' }}"
    assert workflow["env"]["DECLARATE_API_URL"].startswith("${{ vars.DECLARATE_API_URL")


def validates(step: dict[str, Any]) -> bool:
    return "declarate validate" in step.get("run", "") or step.get("with", {}).get("command") == "validate"


@pytest.mark.parametrize("name", WORKFLOWS)
def test_each_workflow_installs_declarate_with_the_repositorys_action_first(name: str) -> None:
    steps = only_job(load_workflow(name))["steps"]
    assert steps[0]["uses"] == "actions/checkout@v4"
    assert uses_declarate(steps[1]) and validates(steps[1])
    assert steps[1]["with"]["config"] == "${{ env.DECLARATE_CONFIG_DIR }}"
    # Nothing comes from a package index: the package is on none.
    assert "pip install" not in (CI / name).read_text()


@pytest.mark.parametrize("name", WORKFLOWS)
def test_credentials_come_from_repository_secrets_only_where_pinecone_is_called(name: str) -> None:
    workflow = load_workflow(name)
    calls_pinecone = [s for s in declarate_steps(workflow) if not validates(s)]
    assert calls_pinecone
    for each in calls_pinecone:
        assert each["env"]["PINECONE_CLIENT_ID"] == "${{ secrets.PINECONE_CLIENT_ID }}"
        assert each["env"]["PINECONE_CLIENT_SECRET"] == "${{ secrets.PINECONE_CLIENT_SECRET }}"
    assert "secrets." not in yaml.safe_dump(workflow["env"])
    validate = [s for s in declarate_steps(workflow) if validates(s)]
    assert all("env" not in s for s in validate)  # offline: no credential needed


@pytest.mark.parametrize("name", WORKFLOWS)
def test_scripts_take_expressions_through_env_never_inline(name: str) -> None:
    # `${{ }}` inside a script is pasted into the shell before it runs: an injection risk.
    for each in only_job(load_workflow(name))["steps"]:
        assert "${{" not in each.get("run", ""), each["name"]


def test_each_workflow_runs_on_its_event() -> None:
    assert "pull_request" in triggers(load_workflow("pr-check.yml"))
    assert "pull_request_target" not in triggers(load_workflow("pr-check.yml"))
    assert triggers(load_workflow("deploy.yml"))["push"] == {"branches": ["main"]}
    drift = triggers(load_workflow("drift.yml"))
    assert "workflow_dispatch" in drift
    (schedule,) = drift["schedule"]
    assert len(schedule["cron"].split()) == 5


def test_the_secrets_directory_is_never_uploaded() -> None:
    for name in WORKFLOWS:
        for each in only_job(load_workflow(name))["steps"]:
            if "upload-artifact" in each.get("uses", ""):
                assert "secrets" not in each["with"]["path"]
                assert ".declarate" not in each["with"]["path"]
    (_, apply) = declarate_steps(load_workflow("deploy.yml"))
    assert '--secrets-dir "$DECLARATE_SECRETS_DIR"' in apply["run"]
    assert apply["env"]["DECLARATE_SECRETS_DIR"].startswith("${{ runner.temp }}")


def test_pr_check_posts_a_sticky_comment_found_by_the_plan_marker() -> None:
    steps = only_job(load_workflow("pr-check.yml"))["steps"]
    (comment,) = [s for s in steps if s.get("uses", "").startswith("actions/github-script@")]
    script = comment["with"]["script"]
    assert PLAN_MARKER in script
    assert "updateComment" in script and "createComment" in script
    assert comment["if"].startswith("always()")
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"] == {
        "name": "declarate-plan",
        "path": "plan.json",
        "if-no-files-found": "error",
        "retention-days": 30,
    }


def test_drift_keeps_one_issue_labelled_drift() -> None:
    steps = only_job(load_workflow("drift.yml"))["steps"]
    (update,) = [s for s in steps if s["name"] == "Open or update the drift issue"]
    assert update["if"] == "steps.drift.outputs.drifted == 'true'"
    assert DRIFT_MARKER in update["with"]["script"]
    assert "labels: [label]" in update["with"]["script"]


# --- pr-check.yml, run --------------------------------------------------------------------------------


def test_pr_check_passes_with_changes_and_leaves_a_comment_an_artifact_and_one_summary(
    runner: Callable[..., Runner],
) -> None:
    pr = runner("pr")
    pr.checkout()

    runs = pr.run("pr-check.yml")

    assert [(r.name, r.code) for r in runs] == [("Validate the config", 0), ("Plan", 0)]
    plan_step = step(runs, "Plan")
    assert plan_step.outputs == {"exitcode": "2", "comment": "true"}
    markdown = (pr.workspace / "plan.md").read_text()
    assert markdown.startswith(PLAN_MARKER)
    assert "project/apparel-team/index/apparel-recs" in markdown
    assert not re.search(r"^::", markdown, re.MULTILINE)
    saved = json.loads((pr.workspace / "plan.json").read_text())
    Draft202012Validator(PLAN_SCHEMA).validate(saved)
    assert saved["has_changes"] is True and saved["blocked"] is False
    # declarate writes the job summary itself; the workflow must not add it a second time.
    assert pr.summary.read_text().count(PLAN_MARKER) == 1


def test_pr_check_passes_when_live_state_matches(runner: Callable[..., Runner], cli: Cli) -> None:
    pr = runner("pr", DECLARATE_CONFIG_DIR="pinecone")
    pr.checkout(folder="pinecone")
    assert cli("apply", "-f", str(pr.workspace / "pinecone"), "--auto-approve").code == 0

    runs = pr.run("pr-check.yml")

    assert [r.code for r in runs] == [0, 0]
    assert step(runs, "Plan").outputs == {"exitcode": "0", "comment": "true"}
    assert (pr.workspace / "plan.md").read_text().startswith(PLAN_MARKER)
    assert json.loads((pr.workspace / "plan.json").read_text())["has_changes"] is False


def test_pr_check_fails_on_a_blocked_plan_and_still_explains_it(
    runner: Callable[..., Runner], cli: Cli
) -> None:
    pr = runner("pr")
    config = pr.checkout()
    assert cli("apply", "-f", str(config), "--auto-approve").code == 0
    team = config / "projects" / "apparel-team.yaml"
    team.write_text(team.read_text().replace("dimension: 1536", "dimension: 768"))

    runs = pr.run("pr-check.yml")

    plan_step = step(runs, "Plan")
    assert plan_step.code == 3
    assert plan_step.outputs == {"exitcode": "3", "comment": "true"}  # the comment step still runs
    # The blocked replace is annotated on its line in the log, and kept out of the comment.
    assert [file for file, _, _ in ANNOTATION.findall(plan_step.output)] == [
        "config/projects/apparel-team.yaml"
    ]
    assert "override: --allow-replace project/apparel-team/index/apparel-recs" in plan_step.output
    markdown = (pr.workspace / "plan.md").read_text()
    assert markdown.startswith(PLAN_MARKER)
    assert "Blocked changes" in markdown
    assert not re.search(r"^::", markdown, re.MULTILINE)


def test_pr_check_fails_on_invalid_config_with_annotations_on_the_lines(
    runner: Callable[..., Runner],
) -> None:
    pr = runner("pr")
    config = pr.checkout()
    team = config / "projects" / "apparel-team.yaml"
    team.write_text(team.read_text().replace("dimension: 1536", "dimensoin: 1536"))

    runs = pr.run("pr-check.yml")

    assert [(r.name, r.code) for r in runs] == [("Validate the config", 1)]  # the plan never runs
    annotations = ANNOTATION.findall(runs[0].output)
    assert annotations
    assert all(file == "config/projects/apparel-team.yaml" for file, _, _ in annotations)
    assert "did you mean 'dimension'" in runs[0].output


def test_pr_check_fails_when_planning_fails(runner: Callable[..., Runner]) -> None:
    pr = runner("pr")
    pr.checkout()
    pr.secrets["PINECONE_CLIENT_SECRET"] = "not-the-secret"

    runs = pr.run("pr-check.yml")

    plan_step = step(runs, "Plan")
    assert plan_step.code == 1
    assert plan_step.outputs == {"exitcode": "1"}  # no comment, and the artifact step does not run
    assert "::error title=declarate::declarate plan failed (exit 1)" in plan_step.stdout


# --- deploy.yml, run ----------------------------------------------------------------------------------


def reviewed_plan(runner: Callable[..., Runner], deploy: Runner) -> None:
    """Run the pull-request check and hand its plan to `deploy` as download-artifact would."""
    pr = runner("pr")
    pr.checkout()
    assert [r.code for r in pr.run("pr-check.yml")] == [0, 0]
    (deploy.workspace / "reviewed").mkdir()
    shutil.copy(pr.workspace / "plan.json", deploy.workspace / "reviewed" / "plan.json")


def test_deploy_applies_the_reviewed_plan(runner: Callable[..., Runner], cli: Cli) -> None:
    deploy = runner("main")
    config = deploy.checkout()
    reviewed_plan(runner, deploy)

    runs = deploy.run("deploy.yml")

    (validate, apply) = runs
    assert validate.code == 0, validate.output
    assert apply.code == 0, apply.output
    assert "Applying the plan reviewed on the pull request." in apply.stdout
    assert cli("plan", "-f", str(config), "--detailed-exitcode").code == 0


def test_deploy_refuses_a_reviewed_plan_forged_in_a_pull_request(
    runner: Callable[..., Runner], cli: Cli
) -> None:
    deploy = runner("main")
    config = deploy.checkout()
    reviewed_plan(runner, deploy)
    artifact = deploy.workspace / "reviewed" / "plan.json"
    forged = json.loads(artifact.read_text())
    forged["inputs"]["overrides"]["allow_mass_delete"] = True  # without the repository's plan key
    artifact.write_text(json.dumps(forged))

    *_, apply = deploy.run("deploy.yml")

    assert apply.code == 1
    assert "signature does not match" in apply.stderr
    assert cli("plan", "-f", str(config), "--detailed-exitcode").code == 2  # nothing was applied


def test_the_plan_key_comes_from_a_repository_secret_where_plans_are_saved_and_applied() -> None:
    for name in ("pr-check.yml", "deploy.yml"):
        steps = [s for s in declarate_steps(load_workflow(name)) if "--out" in s.get("run", "")]
        assert steps, name
        assert all(s["env"]["DECLARATE_PLAN_KEY"] == "${{ secrets.DECLARATE_PLAN_KEY }}" for s in steps), name


def test_deploy_writes_secrets_outside_the_checkout_and_never_prints_them(
    runner: Callable[..., Runner], cli: Cli
) -> None:
    deploy = runner("main")
    config = deploy.checkout()
    reviewed_plan(runner, deploy)

    runs = deploy.run("deploy.yml")

    secrets_dir = deploy.temp / "declarate-secrets"
    secrets = secret_values(secrets_dir)
    assert len(secrets) == 1  # the recs-ci service account's client secret
    assert not (deploy.workspace / ".declarate").exists()
    assert all(secret not in run.output for secret in secrets for run in runs)
    assert all(secret not in deploy.summary.read_text() for secret in secrets)
    assert cli("plan", "-f", str(config), "--detailed-exitcode").code == 0


def test_deploy_fails_loudly_when_created_secrets_have_nowhere_to_go(runner: Callable[..., Runner]) -> None:
    deploy = runner("main")
    deploy.checkout()

    runs = deploy.run(
        "deploy.yml", also=("Move created secrets into the secret manager", "Remove the secrets directory")
    )

    assert [r.code for r in runs] == [0, 0, 1, 0]
    store = step(runs, "Move created secrets into the secret manager")
    assert (
        "service-account__recs-ci.client_secret was created but DECLARATE_SECRET_STORE is not set"
        in store.stdout
    )
    assert not (deploy.temp / "declarate-secrets").exists()


def test_deploy_replans_when_main_moved_since_the_review(runner: Callable[..., Runner], cli: Cli) -> None:
    deploy = runner("main")
    config = deploy.checkout()
    reviewed_plan(runner, deploy)
    # Another pull request merged first: main's config is not the one that was reviewed.
    team = config / "projects" / "electronics-team.yaml"
    team.write_text(
        team.read_text().replace("tags: {team: electronics}", "tags: {team: electronics, tier: gold}")
    )

    (_, apply) = deploy.run("deploy.yml")

    assert apply.code == 0, apply.output
    assert "applying a fresh plan of this commit" in apply.stdout
    assert cli("plan", "-f", str(config), "--detailed-exitcode").code == 0


def test_deploy_can_require_a_reviewed_plan(runner: Callable[..., Runner]) -> None:
    deploy = runner("main", DECLARATE_REQUIRE_REVIEWED_PLAN="true")
    deploy.checkout()

    (_, apply) = deploy.run("deploy.yml")

    assert apply.code == 1
    assert "No reviewed plan was found for this commit. Nothing was applied." in apply.stdout
    assert not (deploy.temp / "declarate-secrets").exists()


def test_deploy_without_a_reviewed_plan_applies_a_fresh_one(runner: Callable[..., Runner], cli: Cli) -> None:
    deploy = runner("main")
    config = deploy.checkout()

    (_, apply) = deploy.run("deploy.yml")

    assert apply.code == 0, apply.output
    assert "No reviewed plan was found: applying a fresh plan of this commit." in apply.stdout
    assert cli("plan", "-f", str(config), "--detailed-exitcode").code == 0
    again = deploy.run("deploy.yml")
    assert "nothing to apply" in again[1].stdout


def test_deploy_refuses_a_reviewed_plan_made_stale_by_a_change_by_hand(
    runner: Callable[..., Runner], sdk: Sdk
) -> None:
    deploy = runner("main")
    deploy.checkout()
    reviewed_plan(runner, deploy)
    sdk.admin.projects.create(name="apparel-team")  # someone made it by hand in the meantime

    (_, apply) = deploy.run("deploy.yml")

    assert apply.code == 1
    assert "project/apparel-team was created by someone else since the plan was made" in apply.stderr


# --- drift.yml, run -----------------------------------------------------------------------------------


def test_drift_in_sync_passes_without_an_issue(runner: Callable[..., Runner], cli: Cli) -> None:
    nightly = runner("main")
    config = nightly.checkout()
    assert cli("apply", "-f", str(config), "--auto-approve").code == 0

    (_, detect) = nightly.run("drift.yml")

    assert detect.code == 0, detect.output
    assert detect.outputs == {"exitcode": "0", "drifted": "false"}  # the close-the-issue step runs
    assert json.loads((nightly.workspace / "drift.json").read_text())["drifted"] is False
    assert not (nightly.workspace / "drift.md").exists()
    assert nightly.summary.read_text().count(DRIFT_MARKER) == 1


def test_drift_opens_the_issue_with_the_markdown_report(
    runner: Callable[..., Runner], cli: Cli, sdk: Sdk
) -> None:
    nightly = runner("main")
    config = nightly.checkout()
    assert cli("apply", "-f", str(config), "--auto-approve").code == 0
    sdk.control("apparel-team").configure_index("apparel-recs", tags={"team": "shoes"})

    (_, detect) = nightly.run("drift.yml")

    assert detect.code == 0, detect.output  # drift is a finding reported in the issue, not a failure
    assert detect.outputs == {"exitcode": "2", "drifted": "true"}
    report = json.loads((nightly.workspace / "drift.json").read_text())
    assert [c["address"] for c in report["changed"]] == ["project/apparel-team/index/apparel-recs"]
    markdown = (nightly.workspace / "drift.md").read_text()
    assert markdown.startswith(DRIFT_MARKER)
    assert "project/apparel-team/index/apparel-recs" in markdown
    assert nightly.summary.read_text().count(DRIFT_MARKER) == 1


def test_drift_fails_the_job_on_error(runner: Callable[..., Runner]) -> None:
    nightly = runner("main")
    nightly.checkout()
    nightly.secrets["PINECONE_CLIENT_ID"] = "nobody"

    (_, detect) = nightly.run("drift.yml")

    assert detect.code == 1
    assert detect.outputs == {"exitcode": "1"}
    assert "::error title=declarate::declarate drift failed (exit 1)" in detect.stdout
