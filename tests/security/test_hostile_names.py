"""Hostile names: live and declared names that look like addresses never cross into another object.

A project named `team/index/prod-idx` once produced a saved plan that deleted index `prod-idx` of
project `team`. Addresses now escape separators, so every name keeps its own address end to end:
plan text, saved plan, apply.
"""

from __future__ import annotations

import json

from tests.e2e.harness import Cli, Sdk

SLASHED = "team/index/prod-idx"

CONFIG = f"""
kind: Project
name: team
indexes:
  - name: prod-idx
    dimension: 8
---
kind: Project
name: "{SLASHED}"
ensure: absent
"""


def test_a_project_named_like_an_index_address_deletes_only_itself(cli: Cli, sdk: Sdk) -> None:
    cli.write("team.yaml", CONFIG.split("---")[0])
    assert cli("apply", "-f", "team.yaml", "--auto-approve").code == 0
    sdk.admin.projects.create(name=SLASHED)
    cli.write("team.yaml", CONFIG)

    planned = cli("plan", "-f", "team.yaml", "--out", "plan.json")
    assert planned.code == 0, planned.output
    assert "project/team%2Findex%2Fprod-idx" in planned.stdout
    assert "project/team%2Findex%2Fprod-idx:" in planned.stdout.splitlines()  # the scope heading too
    assert "project/team/index/prod-idx" not in planned.stdout
    saved = json.loads((cli.cwd / "plan.json").read_text())
    addresses = [(c["action"], c["address"]) for c in saved["changes"]]
    assert addresses == [("delete", "project/team%2Findex%2Fprod-idx")]

    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    projects = {p.name for p in sdk.admin.projects.list()}
    assert SLASHED not in projects and "team" in projects
    assert [i.name for i in sdk.control("team").list_indexes()] == ["prod-idx"]


def test_a_live_key_named_with_slashes_keeps_its_own_address(cli: Cli, sdk: Sdk) -> None:
    cli.write("team.yaml", CONFIG.split("---")[0])
    assert cli("apply", "-f", "team.yaml", "--auto-approve").code == 0
    project_id = sdk.project_id("team")
    sdk.admin.api_keys.create(project_id=project_id, name="x/index/prod-idx", roles=["ProjectViewer"])

    planned = cli("plan", "-f", "team.yaml", "--format", "json")
    assert planned.code == 0, planned.output
    data = json.loads(planned.stdout)
    unmanaged = [u["address"] for u in data.get("unmanaged", [])]
    assert "project/team/api-key/x%2Findex%2Fprod-idx" in unmanaged
    assert data["changes"] == []
