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


SLASHED = """
kind: Project
name: team-a
api_keys:
  - name: ops/reader
    roles: [ProjectViewer]
---
kind: Project
name: team-b
"""


def test_an_api_key_whose_old_name_holds_a_slash_is_renamed_in_place_keeping_its_secret(
    cli: Cli, sdk: Sdk
) -> None:
    # `/` is allowed in a key's name: `renamed_from: ops/reader` is that key, never a create.
    cli.write("config/team.yaml", SLASHED)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    (value,) = _secret_files(cli).values()
    renamed = SLASHED.replace("  - name: ops/reader\n", "  - name: reader\n    renamed_from: ops/reader\n")
    cli.write("config/team.yaml", renamed)

    (change,) = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)["changes"]
    assert (change["address"], change["action"]) == ("project/team-a/api-key/reader", "rename")
    assert cli("apply", "-f", "config", "--auto-approve").code == 0

    names = [k.name for k in sdk.admin.api_keys.list(project_id=sdk.project_id("team-a"))]
    assert [n for n in names if "reader" in n] == ["reader"]
    assert _secret_files(cli) == {"project__team-a__api-key__reader.value": value}


def test_an_api_key_renamed_from_another_project_s_key_is_warned_or_refused_at_its_line(
    cli: Cli, sdk: Sdk
) -> None:
    # `team-a/ops/reader` on a key of team-b may be team-b's own key of that name: it is looked for
    # there as written, with a warning that a key of team-a cannot move; written as an address of
    # team-a's key, it cannot mean anything else, and is refused.
    cli.write("config/team.yaml", SLASHED)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    moved = SLASHED.replace(
        "name: team-b\n", "name: team-b\napi_keys:\n  - name: reader\n    renamed_from: team-a/ops/reader\n"
    )
    cli.write("config/team.yaml", moved)

    warned = cli("plan", "-f", "config", "--format", "json")
    assert warned.code == 0, warned.output
    assert "config/team.yaml:11:" in warned.stderr
    assert "an API key is renamed within its project" in warned.stderr
    (change,) = json.loads(warned.stdout)["changes"]
    assert (change["address"], change["action"]) == ("project/team-b/api-key/reader", "create")

    cli.write("config/team.yaml", moved.replace("team-a/ops/reader", "project/team-a/api-key/reader"))
    for command in (("plan", "-f", "config"), ("apply", "-f", "config", "--auto-approve")):
        refused = cli(*command)
        assert refused.code == 1, refused.output
        assert "config/team.yaml:11:" in refused.stderr
        assert "an API key is renamed within its project" in refused.stderr
    assert [k.name for k in sdk.admin.api_keys.list(project_id=sdk.project_id("team-b"))] == []


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


INDEX_BEFORE = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 4
    tags: {team: a}
"""

INDEX_AFTER = """
kind: Project
name: team-a
indexes:
  - name: recs-v2
    renamed_from: recs
    dimension: 4
    deletion_protection: enabled
    tags: {team: a, tier: gold}
"""


def _upsert(sdk: Sdk, index: str, namespaces: dict[str, int]) -> list[str]:
    control = sdk.control("team-a")
    data = control.Index(host=control.describe_index(index).host)
    ids = []
    for namespace, count in namespaces.items():
        vectors = [(f"{namespace}-{i}", [float(i), 1.0, 0.5, 0.25]) for i in range(count)]
        data.upsert(vectors=vectors, namespace=namespace)
        ids += [v[0] for v in vectors]
    return ids


def test_an_index_rename_keeps_every_record_and_leaves_no_backup(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", INDEX_BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    ids = _upsert(sdk, "recs", {"": 5, "docs": 3})

    cli.write("config/team.yaml", INDEX_AFTER)
    planned = cli("plan", "-f", "config")
    assert planned.code == 0, planned.output
    assert "project/team-a/index/recs-v2 (rename recs -> recs-v2)" in planned.stdout
    assert "to delete" in planned.stdout and "0 to delete" in planned.stdout
    # What the rename carries, read from the old index (one describe_index_stats), in every view.
    assert "data impact: carries 8 records in 2 namespaces" in planned.stdout
    markdown = cli("plan", "-f", "config", "--format", "markdown").stdout
    assert "**data impact**: carries 8 records in 2 namespaces" in markdown
    (change,) = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)["changes"]
    assert change["data_impact"] == {"records": 8, "namespaces": 2, "unknown": None}
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output

    control = sdk.control("team-a")
    assert sorted(i.name for i in control.list_indexes()) == ["recs-v2"]
    described = control.describe_index("recs-v2")
    assert described.deletion_protection == "enabled"
    assert dict(described.tags) == {"managed-by": "declarate", "team": "a", "tier": "gold"}
    data = control.Index(host=described.host)
    fetched = {**data.fetch(ids=[i for i in ids if not i.startswith("docs")]).vectors}
    fetched.update(data.fetch(ids=[i for i in ids if i.startswith("docs")], namespace="docs").vectors)
    assert sorted(fetched) == sorted(ids)
    assert list(control.list_backups()) == []
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_keep_backup_keeps_the_rename_backup(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", INDEX_BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    _upsert(sdk, "recs", {"": 2})
    cli.write(
        "config/team.yaml",
        INDEX_AFTER.replace("    renamed_from: recs\n", "    renamed_from: recs\n    keep_backup: true\n"),
    )
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    (backup,) = list(sdk.control("team-a").list_backups())
    assert backup.source_index_name == "recs" and backup.record_count == 2


def test_a_forged_rename_marker_never_deletes_the_old_index_with_its_records(cli: Cli, sdk: Sdk) -> None:
    """Anyone who may tag indexes can create the new name with the marker of an unfinished rename:
    no backup, no moved records. The old index (and its records) must survive the apply."""
    cli.write("config/team.yaml", INDEX_BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    ids = _upsert(sdk, "recs", {"": 5})
    control = sdk.control("team-a")
    control.create_index(
        name="recs-v2",
        dimension=4,
        metric="cosine",
        spec=pinecone.ServerlessSpec(cloud="aws", region="us-east-1"),
        tags={"declarate-renaming-from": "recs", "managed-by": "declarate"},
    )
    cli.write(
        "config/team.yaml",
        INDEX_AFTER.replace("deletion_protection: enabled", "deletion_protection: disabled"),
    )
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code != 0, applied.output
    assert "recs" in [i.name for i in control.list_indexes()]
    data = control.Index(host=control.describe_index("recs").host)
    assert sorted(data.fetch(ids=ids).vectors) == sorted(ids)


def test_records_written_after_the_rename_backup_keep_the_old_index(cli: Cli, sdk: Sdk) -> None:
    """A backup found under the rename's name holds fewer records than the old index now does
    (writes since it was taken, or a stale backup someone made by that name): the old index stays."""
    from declarate.model.address import Address
    from declarate.providers.pinecone.index_renames import backup_name

    cli.write("config/team.yaml", INDEX_BEFORE)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    _upsert(sdk, "recs", {"": 2})
    control = sdk.control("team-a")
    old, new = Address.parse("project/team-a/index/recs"), Address.parse("project/team-a/index/recs-v2")
    control.create_backup(index_name="recs", backup_name=backup_name(old, new))
    ids = _upsert(sdk, "recs", {"late": 3})

    cli.write(
        "config/team.yaml",
        INDEX_AFTER.replace("deletion_protection: enabled", "deletion_protection: disabled"),
    )
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code != 0, applied.output
    assert "index recs holds 5 records but recs-v2 only 2" in applied.output
    data = control.Index(host=control.describe_index("recs").host)
    assert sorted(data.fetch(ids=ids, namespace="late").vectors) == sorted(ids)


def test_indexes_of_a_project_being_renamed_have_their_records_counted(cli: Cli, sdk: Sdk) -> None:
    """The new project name does not exist until apply: counts are read under the live name, so an
    empty index deletes freely and a full one shows what it holds (never 'unknown')."""
    cli.write("config/team.yaml", INDEX_BEFORE + "  - name: spare\n    dimension: 4\n")
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    _upsert(sdk, "recs", {"": 3})
    cli.write(
        "config/team.yaml",
        INDEX_AFTER.replace("name: team-a\n", "name: team-b\nrenamed_from: team-a\n").replace(
            "deletion_protection: enabled", "deletion_protection: disabled"
        ),
    )
    planned = cli("plan", "-f", "config")
    assert planned.code == 0, planned.output
    assert "unknown" not in planned.stdout
    assert "data impact: destroys 0 records in 0 namespaces" in planned.stdout  # spare, deleted
    assert "3 records in 1 namespace" in planned.stdout  # recs, renamed
