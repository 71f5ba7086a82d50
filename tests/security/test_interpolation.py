"""`${VAR}` may not read credential variables unless declarate.yaml allows them; nothing quotes a value."""

from __future__ import annotations

from tests.e2e.harness import Cli

SECRET = "interpolated-client-secret-0123456789"

PROJECT = """
kind: Project
name: team
indexes:
  - name: recs
    dimension: 8
    tags: {note: "${VARIABLE}"}
"""


def test_a_credential_variable_in_a_tag_is_refused_without_showing_its_value(embedded_cli: Cli) -> None:
    embedded_cli.write("config/team.yaml", PROJECT.replace("VARIABLE", "PINECONE_CLIENT_SECRET"))
    summary = embedded_cli.cwd / "summary.md"
    env = {"PINECONE_CLIENT_SECRET": SECRET, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    for command in (
        ["validate"],
        ["plan", "--target", "local"],
        ["plan", "--target", "local", "--format", "json"],
    ):
        run = embedded_cli(*command, "-f", "config", extra_env=env)
        assert run.code == 1, run.output
        assert "'${PINECONE_CLIENT_SECRET}' reads a credential variable" in run.stderr
        assert "::error file=config/team.yaml,line=6" in run.stderr  # the annotation names the place
        assert SECRET not in run.output
    assert not summary.exists() or SECRET not in summary.read_text()


def test_declarate_yaml_may_allow_a_credential_variable(embedded_cli: Cli) -> None:
    embedded_cli.write("config/team.yaml", PROJECT.replace("VARIABLE", "DEPLOY_TOKEN"))
    embedded_cli.write("config/declarate.yaml", "kind: Workspace\ninterpolation:\n  allow: [DEPLOY_TOKEN]\n")
    run = embedded_cli("validate", "-f", "config", extra_env={"DEPLOY_TOKEN": "deploy-token-value"})
    assert run.code == 0, run.output

    embedded_cli.write("config/declarate.yaml", "kind: Workspace\ninterpolation:\n  allow: [OTHER_TOKEN]\n")
    run = embedded_cli("validate", "-f", "config", extra_env={"DEPLOY_TOKEN": "deploy-token-value"})
    assert run.code == 1
    assert "list it under interpolation: {allow: [DEPLOY_TOKEN]}" in run.stderr
    assert "deploy-token-value" not in run.output
