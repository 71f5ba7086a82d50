"""The target is always named, and a pinned target never falls back to the local control plane.

Every plan, apply and drift output starts with the target it read (`Target: ...`, JSON `target`);
`target: {api_url}` in declarate.yaml makes missing credentials an error naming the variables; in
CI with no credentials and no pin, the local default still works but says so on stderr.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.harness import Cli

LOCAL = "Target: local (embedded, .declarate/local.db)"
PROJECT = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
"""
NOT_CI = {"CI": "false"}


def test_plan_apply_and_drift_name_the_embedded_target_first(embedded_cli: Cli) -> None:
    embedded_cli.write("config/team.yaml", PROJECT)
    plan = embedded_cli("plan", "-f", "config", extra_env=NOT_CI)
    assert plan.code == 0, plan.output
    assert plan.stdout.splitlines()[0] == LOCAL
    assert "Warning" not in plan.stderr
    as_json = embedded_cli("plan", "-f", "config", "--format", "json", extra_env=NOT_CI)
    assert json.loads(as_json.stdout)["target"] == "local (embedded, .declarate/local.db)"
    markdown = embedded_cli("plan", "-f", "config", "--format", "markdown", extra_env=NOT_CI)
    assert "Target: `local (embedded, .declarate/local.db)`" in markdown.stdout
    apply = embedded_cli("apply", "-f", "config", "--auto-approve", extra_env=NOT_CI)
    assert apply.code == 0, apply.output
    assert apply.stdout.splitlines()[0] == LOCAL
    drift = embedded_cli("drift", "-f", "config", extra_env=NOT_CI)
    assert drift.code == 0, drift.output
    assert drift.stdout.splitlines()[0] == LOCAL
    drift_json = embedded_cli("drift", "-f", "config", "--format", "json", extra_env=NOT_CI)
    assert json.loads(drift_json.stdout)["target"] == "local (embedded, .declarate/local.db)"


def test_a_served_target_is_named_by_its_url(cli: Cli, server: Any) -> None:
    cli.write("config/team.yaml", PROJECT)
    plan = cli("plan", "-f", "config")
    assert plan.code == 0, plan.output
    assert plan.stdout.splitlines()[0] == f"Target: {server.url.rstrip('/')}"


def test_in_ci_the_local_default_works_but_warns_on_stderr(embedded_cli: Cli) -> None:
    embedded_cli.write("config/team.yaml", PROJECT)
    plan = embedded_cli("plan", "-f", "config", extra_env={"CI": "true"})
    assert plan.code == 0, plan.output
    assert plan.stdout.splitlines()[0] == LOCAL
    warning = [line for line in plan.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warning) == 1
    assert "CI=true" in warning[0] and "PINECONE_CLIENT_ID" in warning[0] and "not Pinecone" in warning[0]
    explicit = embedded_cli("plan", "-f", "config", "--target", "local", extra_env={"CI": "true"})
    assert explicit.code == 0 and "Warning" not in explicit.stderr


def test_a_pinned_target_without_credentials_is_an_error_naming_the_variables(embedded_cli: Cli) -> None:
    embedded_cli.write(
        "config/declarate.yaml", "kind: Workspace\ntarget: {api_url: https://api.pinecone.io}\n"
    )
    embedded_cli.write("config/team.yaml", PROJECT)
    for command in (["plan"], ["apply", "--auto-approve"], ["drift"]):
        run = embedded_cli(*command, "-f", "config", extra_env={"CI": "true"})
        assert run.code == 1, run.output
        assert "pins the target to https://api.pinecone.io (config/declarate.yaml:2:" in run.stderr
        assert "PINECONE_CLIENT_ID and PINECONE_CLIENT_SECRET are not set" in run.stderr
        assert run.stdout == ""
    assert not (embedded_cli.cwd / ".declarate").exists()  # no silent fallback to a local database
    only_id = embedded_cli("plan", "-f", "config", extra_env={"PINECONE_CLIENT_ID": "someone"})
    assert only_id.code == 1 and "PINECONE_CLIENT_SECRET is not set" in only_id.stderr


def test_a_pinned_target_refuses_a_flag_that_contradicts_it(embedded_cli: Cli) -> None:
    embedded_cli.write(
        "config/declarate.yaml", "kind: Workspace\ntarget: {api_url: https://api.pinecone.io/}\n"
    )
    embedded_cli.write("config/team.yaml", PROJECT)
    local = embedded_cli("plan", "-f", "config", "--target", "local")
    assert local.code == 1 and "--target local contradicts it" in local.stderr
    other = embedded_cli("plan", "-f", "config", "--api-url", "http://127.0.0.1:9")
    assert other.code == 1 and "but --api-url (or DECLARATE_API_URL) says http://127.0.0.1:9" in other.stderr


def test_a_pinned_target_with_credentials_is_used(cli: Cli, server: Any) -> None:
    cli.write("config/declarate.yaml", f"kind: Workspace\ntarget: {{api_url: '{server.url}'}}\n")
    cli.write("config/team.yaml", PROJECT)
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output
    assert applied.stdout.splitlines()[0] == f"Target: {server.url.rstrip('/')}"
    assert not (cli.cwd / ".declarate" / "local.db").exists()
