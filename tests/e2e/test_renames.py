"""`renamed_from` end to end through the CLI: renames in place keep ids, key values and secrets."""

from __future__ import annotations

import json

import pinecone

from tests.e2e.harness import Cli, Sdk

BEFORE = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 8
api_keys:
  - name: recs-service
    roles: [ProjectEditor]
---
kind: Organization
service_accounts:
  - name: recs-ci
role_bindings:
  - service_account: recs-ci
    role: OrgMember
"""

AFTER = """
kind: Project
name: team-b
renamed_from: team-a
indexes:
  - name: recs
    dimension: 8
api_keys:
  - name: recs-reader
    renamed_from: recs-service
    roles: [ProjectEditor]
---
kind: Organization
service_accounts:
  - name: recs-deployer
    renamed_from: recs-ci
role_bindings:
  - service_account: recs-deployer
    role: OrgMember
"""


def _secret_files(cli: Cli) -> dict[str, str]:
    directory = cli.cwd / ".declarate" / "secrets"
    return {p.name: p.read_text() for p in directory.iterdir() if p.name != ".gitignore"}


def test_a_project_key_and_service_account_are_renamed_in_place_keeping_their_secrets(
    cli: Cli, sdk: Sdk
) -> None:
    cli.write("config/team.yaml", BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    before = _secret_files(cli)
    key_value = before["project__team-a__api-key__recs-service.value"]
    client_secret = before["service-account__recs-ci.client_secret"]
    project_id = sdk.project_id("team-a")
    (account,) = [a for a in sdk.admin.service_accounts.list() if a.name == "recs-ci"]

    cli.write("config/team.yaml", AFTER)
    planned = cli("plan", "-f", "config", "--format", "json")
    assert planned.code == 0, planned.output
    changes = {c["address"]: c for c in json.loads(planned.stdout)["changes"]}
    assert {a: c["action"] for a, c in changes.items()} == {
        "project/team-b": "rename",
        "project/team-b/api-key/recs-reader": "rename",
        "service-account/recs-deployer": "rename",
    }
    assert changes["project/team-b"]["renamed_from"] == "project/team-a"
    text = cli("plan", "-f", "config").stdout
    assert "project/team-b (rename team-a -> team-b)" in text
    assert "3 to rename" in text

    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output

    # The same objects under their new names: ids, the key value and the client secret are kept.
    assert sdk.project_id("team-b") == project_id
    (renamed,) = [a for a in sdk.admin.service_accounts.list() if a.name == "recs-deployer"]
    assert (renamed.id, renamed.client_id) == (account.id, account.client_id)
    assert [k.name for k in sdk.admin.api_keys.list(project_id=project_id) if k.name.startswith("recs")] == [
        "recs-reader"
    ]
    assert [i.name for i in pinecone.Pinecone(api_key=key_value, host=sdk.url).list_indexes()] == ["recs"]
    token = _token(sdk.url, renamed.client_id, client_secret)
    assert token
    # The secret files followed the renames, with the same contents; none was lost or written anew.
    assert _secret_files(cli) == {
        "project__team-b__api-key__recs-reader.value": key_value,
        "service-account__recs-deployer.client_secret": client_secret,
    }
    again = cli("plan", "-f", "config", "--detailed-exitcode")
    assert again.code == 0, again.output
    assert "secret lost" not in again.stderr


def _token(url: str, client_id: str, client_secret: str) -> str:
    """An access token for the service account's credentials: they still authenticate."""
    admin = pinecone.Admin(
        client_id=client_id, client_secret=client_secret, host=url, oauth_url=url + "/oauth/token"
    )
    return str(admin.projects.list())  # any authenticated call


def test_a_rename_whose_old_and_new_names_both_exist_is_blocked(cli: Cli) -> None:
    cli.write(
        "config/team.yaml",
        BEFORE.replace(
            "  - name: recs-service\n",
            "  - name: recs-service\n    roles: [ProjectEditor]\n  - name: recs-reader\n",
            1,
        ),
    )
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write(
        "config/team.yaml",
        BEFORE.replace(
            "  - name: recs-service\n", "  - name: recs-reader\n    renamed_from: recs-service\n", 1
        ),
    )
    planned = cli("plan", "-f", "config")
    assert planned.code == 1 or "BLOCKED (rename-conflict)" in planned.stdout, planned.output
    assert "both recs-service and recs-reader exist live" in planned.output


def test_a_saved_plan_with_a_rename_is_re_derived_and_applied(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", AFTER)
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    applied = cli("apply", "plan.json")
    assert applied.code == 0, applied.output
    assert sdk.project_id("team-b")
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
