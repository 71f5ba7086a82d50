"""Secrets are written once to a 0600 file and never shown; saved plans refuse to apply when stale."""

from __future__ import annotations

import stat

from tests.e2e.harness import Cli, Sdk

WITH_KEY = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
api_keys:
  - name: recs-service
    roles: [DataPlaneEditor]
"""


def test_api_key_secret_is_written_once_with_mode_0600_and_never_printed(cli: Cli) -> None:
    cli.write("config/team.yaml", WITH_KEY)
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output
    secret_files = [p for p in (cli.cwd / ".declarate" / "secrets").iterdir() if p.name != ".gitignore"]
    assert len(secret_files) == 1
    assert stat.S_IMODE(secret_files[0].stat().st_mode) == 0o600
    secret = secret_files[0].read_text().strip()
    assert len(secret) >= 16
    outputs = [applied.output]
    for fmt in ("text", "json", "markdown"):
        outputs.append(cli("plan", "-f", "config", "--format", fmt).output)
        outputs.append(cli("drift", "-f", "config", "--format", fmt).output)
    outputs.append(cli("plan", "-f", "config", "--out", "plan.json").output)
    outputs.append((cli.cwd / "plan.json").read_text())
    assert all(secret not in text for text in outputs)
    assert ".declarate/secrets" in applied.stderr


def test_saved_plan_applies_exactly_what_was_reviewed(cli: Cli) -> None:
    cli.write("config/team.yaml", WITH_KEY)
    planned = cli("plan", "-f", "config", "--out", "plan.json")
    assert planned.code == 0, planned.output
    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_stale_saved_plan_is_refused_naming_what_changed(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", WITH_KEY)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", WITH_KEY.replace("dimension: 8", "dimension: 8\n    tags: {env: dev}"))
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    sdk.control("team-a").configure_index("recs", tags={"env": "prod"})
    refused = cli("apply", "plan.json")
    assert refused.code == 1
    assert "project/team-a/index/recs" in refused.stderr
    assert "stale" in refused.stderr


def test_saved_plan_for_another_target_is_refused(cli: Cli, embedded_cli: Cli) -> None:
    cli.write("config/team.yaml", WITH_KEY)
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    (embedded_cli.cwd / "plan.json").write_text((cli.cwd / "plan.json").read_text())
    refused = embedded_cli("apply", "plan.json")
    assert refused.code == 1
    assert "target" in refused.stderr
