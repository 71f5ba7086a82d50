"""`ensure: unmanaged` through the CLI against a served local control plane: declarate lets go of an
object without deleting it, and never plans anything for it again (DESIGN §9.6)."""

from __future__ import annotations

import json

from tests.e2e.harness import Cli, Sdk

MANAGED = """
kind: Project
name: team-a
prune: {api_keys: true, role_bindings: true}
indexes:
  - name: kept
    dimension: 8
  - name: legacy
    dimension: 8
    tags: {team: a}
api_keys:
  - name: batch
    roles: [ProjectEditor]
role_bindings:
  - service_account: legacy-ci
    role: ProjectViewer
---
kind: Organization
prune: {service_accounts: true}
service_accounts:
  - name: legacy-ci
"""

LET_GO = """
kind: Project
name: team-a
prune: {api_keys: true, role_bindings: true}
indexes:
  - name: kept
    dimension: 8
  - name: legacy
    ensure: unmanaged
api_keys:
  - {name: batch, ensure: unmanaged}
role_bindings:
  - {service_account: legacy-ci, role: ProjectViewer, ensure: unmanaged}
---
kind: Organization
prune: {service_accounts: true}
service_accounts:
  - {name: legacy-ci, ensure: unmanaged}
"""

LEGACY = "project/team-a/index/legacy"
LET_GO_ADDRESSES = {
    LEGACY,
    "project/team-a/api-key/batch",
    "project/team-a/role-binding/service-account:legacy-ci/ProjectViewer",
    "service-account/legacy-ci",
}


def test_letting_go_untags_the_index_keeps_everything_and_plans_nothing_afterwards(
    cli: Cli, sdk: Sdk
) -> None:
    cli.write("config/team.yaml", MANAGED)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", LET_GO)

    planned = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    text = cli("plan", "-f", "config")
    markdown = cli("plan", "-f", "config", "--format", "markdown").stdout

    (change,) = planned["changes"]
    assert (change["address"], change["action"]) == (LEGACY, "unmanage")
    assert [(f["path"], f["before"], f["after"]) for f in change["fields"]] == [
        ("tags.managed-by", "declarate", None)
    ]
    assert change["source"]["file"].endswith("team.yaml") and change["source"]["line"] == 8
    assert planned["has_changes"] is True and planned["summary"]["unmanage"] == 1
    assert {u["address"] for u in planned["unmanaged"]} == LET_GO_ADDRESSES - {LEGACY}
    assert f"~ {LEGACY} (unmanage)" in text.stdout and "1 to unmanage." in text.stdout
    assert "| unmanage |" in markdown and f"~ {LEGACY} (unmanage)" in markdown

    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output

    after = cli("plan", "-f", "config", "--format", "json", "--detailed-exitcode")
    assert after.code == 0, after.output
    document = json.loads(after.stdout)
    assert document["changes"] == []
    assert {u["address"] for u in document["unmanaged"]} == LET_GO_ADDRESSES
    assert cli("drift", "-f", "config").code == 0

    # Dropping the index's declaration now changes nothing: it is no longer declarate's to delete.
    cli.write("config/team.yaml", LET_GO.replace("  - name: legacy\n    ensure: unmanaged\n", ""))
    dropped = cli("plan", "-f", "config", "--detailed-exitcode")
    assert dropped.code == 0, dropped.output
    assert f"? {LEGACY}  not declared and not tagged managed-by=declarate" in dropped.stdout

    # Everything is still live, as it was, but for the ownership tag.
    project_id = sdk.project_id("team-a")
    assert [k.name for k in sdk.admin.api_keys.list(project_id=project_id)] == ["batch"]
    assert "legacy-ci" in [a.name for a in sdk.admin.service_accounts.list()]
    assert sdk.control("team-a").describe_index(name="legacy").tags == {"team": "a"}


def test_a_saved_plan_that_lets_go_is_re_derived_and_applied(cli: Cli) -> None:
    cli.write("config/team.yaml", MANAGED)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", LET_GO)

    saved = cli("plan", "-f", "config", "--out", "plan.json")
    assert saved.code == 0, saved.output
    inputs = json.loads((cli.cwd / "plan.json").read_text())["inputs"]["desired"]
    assert {u["address"] for u in inputs["unmanaged"]} == LET_GO_ADDRESSES

    applied = cli("apply", "plan.json", "--auto-approve")
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_a_whole_project_let_go_keeps_its_indexes_and_keys(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", MANAGED)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", MANAGED.replace("name: team-a\n", "name: team-a\nensure: unmanaged\n", 1))

    planned = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    assert sorted((c["address"], c["action"]) for c in planned["changes"]) == [
        ("project/team-a/index/kept", "unmanage"),
        (LEGACY, "unmanage"),
    ]
    assert cli("apply", "-f", "config", "--auto-approve").code == 0

    # Nothing declared in it, nothing owned in it: removing the project's document changes nothing.
    cli.write("config/team.yaml", MANAGED.split("---")[1])
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
    project_id = sdk.project_id("team-a")
    assert [k.name for k in sdk.admin.api_keys.list(project_id=project_id)] == ["batch"]
    assert sorted(i.name for i in sdk.control("team-a").list_indexes()) == ["kept", "legacy"]


def test_letting_go_of_what_is_not_live_is_a_note(cli: Cli) -> None:
    cli.write(
        "config/team.yaml", "kind: Project\nname: team-a\napi_keys:\n  - {name: gone, ensure: unmanaged}\n"
    )

    text = cli("plan", "-f", "config", "--detailed-exitcode")
    document = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)

    assert text.code == 2  # the project itself is to be created
    assert "project/team-a/api-key/gone  declared ensure: unmanaged, and not found live" in text.stdout
    assert document["notes"] == [
        {
            "address": "project/team-a/api-key/gone",
            "message": "declared ensure: unmanaged, and not found live: nothing to unmanage",
            "source": {"file": "config/team.yaml", "line": 4, "column": 26},
        }
    ]
    assert [c["address"] for c in document["changes"]] == ["project/team-a"]


def test_letting_go_inside_a_project_being_deleted_is_refused_before_any_request(cli: Cli) -> None:
    cli.write(
        "config/old.yaml",
        "kind: Project\nname: old\nensure: absent\nindexes:\n  - name: legacy\n    ensure: unmanaged\n",
    )

    for command in (("validate", "-f", "config"), ("plan", "-f", "config")):
        run = cli(*command)
        assert run.code == 1
        assert "old.yaml:6:13" in run.output and "yet the project is ensure: absent" in run.output
