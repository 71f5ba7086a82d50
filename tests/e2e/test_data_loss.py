"""Data loss is never silent (DESIGN §9.1), as a user meets it through the CLI: records seeded with the
official SDK on the index host, then a config that drops the index. The plan shows what the delete
destroys and blocks it (rule `data-loss`) until `--allow-delete` or `ensure: absent` (on the index or
its project) says so; an empty index deletes freely; a data plane that cannot be read is an unknown
impact, blocked."""

from __future__ import annotations

import json
from typing import Any

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env

ADDRESS = "project/team-a/index/recs"
KEPT = "kind: Project\nname: team-a\nindexes:\n  - name: recs\n    dimension: 4\n"
DROPPED = "kind: Project\nname: team-a\nindexes:\n  - name: other\n    dimension: 4\n"


def seed_records(sdk: Sdk, counts: dict[str, int]) -> None:
    """Upsert `counts[namespace]` records into team-a's `recs`, through the host describe returns."""
    pc = sdk.control("team-a")
    index = pc.Index(host=pc.describe_index("recs").host)
    for namespace, count in counts.items():
        vectors = [(f"{namespace}-{n}", [0.1, 0.2, 0.3, float(n)]) for n in range(count)]
        index.upsert(vectors=vectors, namespace=namespace)


def stats_requests(server: Any) -> int:
    counts = server.stats()["by_route"]
    return sum(n for route, n in counts.items() if route.endswith("/describe_index_stats"))


def test_deleting_an_index_with_records_is_blocked_with_its_count_until_allowed(
    cli: Cli, sdk: Sdk, server: Any
) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 3, "eu": 2})
    cli.write("config/team.yaml", DROPPED)

    text = cli("plan", "-f", "config")
    document = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    markdown = cli("plan", "-f", "config", "--format", "markdown")

    assert text.code == 3, text.output
    assert "data impact: destroys 5 records in 2 namespaces" in text.stdout
    assert (
        "BLOCKED (data-loss): the index holds 5 records in 2 namespaces: deleting it destroys them"
        in text.stdout
    )
    assert (
        f"override: --allow-delete {ADDRESS}, or declare the index (or its project) with ensure: absent"
        in text.stdout
    )
    (delete,) = [c for c in document["changes"] if c["address"] == ADDRESS]
    assert delete["action"] == "delete"
    assert delete["data_impact"] == {"records": 5, "namespaces": 2, "unknown": None}
    assert [b["rule"] for b in delete["blocks"]] == ["data-loss"]
    assert "**data impact**: destroys 5 records in 2 namespaces" in markdown.stdout
    assert "**BLOCKED (data-loss)**" in markdown.stdout
    refused = cli("apply", "-f", "config", "--auto-approve")
    assert refused.code == 3 and "Refusing to apply" in refused.stderr

    allowed = cli("apply", "-f", "config", "--auto-approve", "--allow-delete", ADDRESS)

    assert allowed.code == 0, allowed.output
    names = [i.name for i in sdk.control("team-a").list_indexes()]
    assert names == ["other"]


def test_an_empty_index_deletes_without_a_flag_and_shows_it_destroys_nothing(cli: Cli) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", DROPPED)

    planned = cli("plan", "-f", "config", "--detailed-exitcode")
    applied = cli("apply", "-f", "config", "--auto-approve")

    assert planned.code == 2, planned.output
    assert "data impact: destroys 0 records in 0 namespaces" in planned.stdout
    assert "BLOCKED" not in planned.stdout
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_one_stats_request_per_destructive_index_change_and_none_otherwise(
    cli: Cli, sdk: Sdk, server: Any
) -> None:
    many = "kind: Project\nname: team-a\nindexes:\n" + "".join(
        f"  - name: ix{n}\n    dimension: 4\n" for n in range(4)
    )
    cli.write("config/team.yaml", many)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    server.reset_stats()
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
    assert stats_requests(server) == 0

    # One index dropped, one replaced (dimension), two kept: two reads, one per destructive change.
    cli.write("config/team.yaml", many.replace("  - name: ix0\n    dimension: 4\n", "").replace(
        "name: ix1\n    dimension: 4", "name: ix1\n    dimension: 8"
    ))  # fmt: skip
    server.reset_stats()
    document = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)

    assert stats_requests(server) == 2
    impacts = {c["address"]: c.get("data_impact") for c in document["changes"]}
    assert impacts == {
        "project/team-a/index/ix0": {"records": 0, "namespaces": 0, "unknown": None},
        "project/team-a/index/ix1": {"records": 0, "namespaces": 0, "unknown": None},
    }


def test_a_replace_of_an_index_with_records_needs_both_overrides(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 1})
    cli.write("config/team.yaml", KEPT.replace("dimension: 4", "dimension: 8"))

    both = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    replace_only = cli("plan", "-f", "config", "--allow-replace", ADDRESS)
    everything = cli("plan", "-f", "config", "--allow-replace", ADDRESS, "--allow-delete", ADDRESS)

    (change,) = both["changes"]
    assert [b["rule"] for b in change["blocks"]] == ["replace", "data-loss"]
    assert (
        change["blocks"][1]["message"]
        == "the index holds 1 record in 1 namespace: replacing it destroys them"
    )
    assert change["blocks"][1]["override"] == f"--allow-delete {ADDRESS}"
    assert replace_only.code == 3 and "BLOCKED (data-loss)" in replace_only.stdout
    assert everything.code == 0, everything.output
    assert "data impact: destroys 1 record in 1 namespace" in everything.stdout


def test_a_project_with_ensure_absent_deletes_its_indexes_with_records(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 2})
    cli.write("config/team.yaml", "kind: Project\nname: team-a\nensure: absent\n")

    planned = cli("plan", "-f", "config")
    applied = cli("apply", "-f", "config", "--auto-approve")

    assert planned.code == 0, planned.output
    assert "data impact: destroys 2 records in 1 namespace" in planned.stdout
    assert applied.code == 0, applied.output


def test_an_index_declared_ensure_absent_is_deleted_with_its_records_through_a_saved_plan(
    cli: Cli, sdk: Sdk
) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 2, "eu": 1})
    cli.write("config/team.yaml", "kind: Project\nname: team-a\nindexes:\n  - {name: recs, ensure: absent}\n")

    planned = cli("plan", "-f", "config", "--out", "plan.json")
    applied = cli("apply", "plan.json")
    again = cli("plan", "-f", "config", "--detailed-exitcode")

    assert planned.code == 0, planned.output
    assert "data impact: destroys 3 records in 2 namespaces" in planned.stdout
    assert "declared ensure: absent at" in planned.stdout and "BLOCKED" not in planned.stdout
    assert applied.code == 0, applied.output
    assert [i.name for i in sdk.control("team-a").list_indexes()] == []
    assert again.code == 0, again.output
    assert "declared ensure: absent, and not found live: nothing to delete" in again.stdout


def test_allow_delete_of_an_address_that_matches_nothing_is_an_error_with_did_you_mean(cli: Cli) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0

    typo = cli("plan", "-f", "config", "--allow-delete", "project/team-a/index/rec")

    assert typo.code == 1
    assert "--allow-delete" in typo.stderr and f"did you mean {ADDRESS}" in typo.stderr.replace("'", "")


def test_a_saved_plan_carries_allow_delete_and_apply_refuses_the_flag_beside_it(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 3})
    cli.write("config/team.yaml", DROPPED)
    assert cli("plan", "-f", "config", "--out", "blocked.json").code == 3
    saved = cli("plan", "-f", "config", "--allow-delete", ADDRESS, "--out", "plan.json")
    assert saved.code == 0, saved.output

    flagged = cli("apply", "plan.json", "--allow-delete", ADDRESS)
    blocked = cli("apply", "blocked.json")
    applied = cli("apply", "plan.json")

    assert flagged.code == 1 and "--allow-delete" in flagged.stderr and "Run plan again" in flagged.stderr
    assert blocked.code == 3, blocked.output
    assert applied.code == 0, applied.output
    assert [i.name for i in sdk.control("team-a").list_indexes()] == ["other"]


def test_a_saved_plan_of_an_empty_index_is_refused_once_records_arrive(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    cli.write("config/team.yaml", DROPPED)
    assert cli("plan", "-f", "config", "--out", "plan.json").code == 0
    seed_records(sdk, {"": 1})

    applied = cli("apply", "plan.json")

    assert applied.code == 1, applied.output
    assert "data-loss" in applied.stderr
    assert "recs" in [i.name for i in sdk.control("team-a").list_indexes()]


def test_an_unreadable_data_plane_is_an_unknown_impact_that_blocks(tmp_path: Any) -> None:
    # Every data-plane request fails (503) while the control plane answers: the count stays unknown.
    with running_server(
        ready_after=0, fail_rate=1.0, fail_kinds=("503",), fault_route=("POST /index/",)
    ) as server:
        cli = Cli(tmp_path, {**cli_env(server), "DECLARATE_RATE_LIMIT": "1000"})
        cli.write("config/team.yaml", KEPT)
        assert cli("apply", "-f", "config", "--auto-approve").code == 0
        cli.write("config/team.yaml", DROPPED)

        text = cli("plan", "-f", "config", "--out", "plan.json")  # one run: each read retries, then gives up
        document = json.loads((tmp_path / "plan.json").read_text())

    assert text.code == 3, text.output
    assert "data impact: unknown: describe_index_stats failed:" in text.stdout
    assert "BLOCKED (data-loss): the index's record count could not be read (" in text.stdout
    (delete,) = [c for c in document["changes"] if c["address"] == ADDRESS]
    impact = delete["data_impact"]
    assert impact["records"] is None and impact["namespaces"] is None and "503" in impact["unknown"]
    assert [b["rule"] for b in delete["blocks"]] == ["data-loss"]


def test_drift_shows_what_correcting_it_destroys_where_the_plan_shows_it(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/team.yaml", KEPT)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    seed_records(sdk, {"": 3, "eu": 2})
    cli.write("config/team.yaml", DROPPED)

    text = cli("drift", "-f", "config")
    markdown = cli("drift", "-f", "config", "--format", "markdown")
    report = json.loads(cli("drift", "-f", "config", "--format", "json").stdout)

    assert text.code == 2, text.output
    assert "      data impact: destroys 5 records in 2 namespaces" in text.stdout.splitlines()
    assert "<br>**data impact**: destroys 5 records in 2 namespaces" in markdown.stdout
    (extra,) = [c for c in report["extra"] if c["address"] == ADDRESS]
    assert extra["data_impact"] == {"records": 5, "namespaces": 2, "unknown": None}
    assert all("data_impact" not in c for c in report["missing"])  # the create destroys nothing
