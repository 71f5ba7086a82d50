"""A server that answers nonsense never gives a traceback, a wrong figure or a delete the plan hid.

Each case rewrites one answer of a served local control plane (through a proxy) into a shape the
2026-07 API never gives: plan, drift and export stop with one line naming what could not be read;
report shows the figure as unknown; a data impact that cannot be read blocks the delete; an index
rename whose backup does not say its count keeps the old index and its records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.e2e.rewriting_proxy import rewriting_proxy

TEAM = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 4
    backup_schedules: [{name: nightly, frequency: daily, retain_days: 7}]
"""

NONSENSE: dict[str, tuple[str, str, Any]] = {
    "index list is a string": ("GET", "/indexes", {"indexes": "abc"}),
    "index without a name": ("GET", "/indexes", {"indexes": [{"nonsense": 1}]}),
    "backup list is a list": ("GET", "/backups", ["nonsense"]),
    "api key is null": ("GET", "/api-keys", {"data": [None]}),
    "schedule without fields": ("GET", "/backup-schedules", {"data": [{"name": 5}]}),
    "stats namespaces are lists": ("POST", "/describe_index_stats", {"namespaces": {"": [1]}}),
    "namespace list is a list": ("GET", "/namespaces", [1]),
}


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """A served control plane with the team applied (one index, one schedule, one record)."""
    with running_server(ready_after=0) as server:
        cwd = tmp_path_factory.mktemp("nonsense")
        _team_with_one_record(server, cwd)
        yield server, cwd


def _nonsense(method: str, suffix: str, body: Any) -> Any:
    def rewrite(m: str, path: str, status: int, data: Any) -> tuple[int, Any] | None:
        return (200, body) if m == method and path.endswith(suffix) and status < 300 else None

    return rewrite


@pytest.mark.parametrize("case", sorted(NONSENSE))
def test_nonsense_answers_give_one_line_or_an_unknown_never_a_traceback(
    applied: tuple[Any, Path], case: str
) -> None:
    server, cwd = applied
    with rewriting_proxy(server.url, _nonsense(*NONSENSE[case])) as url:
        cli = Cli(cwd, {**cli_env(server), "DECLARATE_API_URL": url})  # Cli asserts no traceback
        planned = cli("plan", "-f", "config")
        report = cli("report", "--format", "json")
    assert planned.code in (0, 1), planned.output
    if planned.code == 1:
        assert "the server's answer is not what the API describes" in planned.stderr
    assert report.code == 0, report.output
    if "stats" in case or "namespace" in case or "backup list" in case:
        assert "could not be read" in report.stderr  # the figure is unknown, not a wrong zero


def test_a_delete_whose_stats_answer_is_nonsense_is_blocked_as_unknown(applied: tuple[Any, Path]) -> None:
    server, cwd = applied
    (cwd / "config" / "team.yaml").write_text("kind: Project\nname: team-a\n")
    try:
        with rewriting_proxy(server.url, _nonsense(*NONSENSE["stats namespaces are lists"])) as url:
            planned = Cli(cwd, {**cli_env(server), "DECLARATE_API_URL": url})("plan", "-f", "config")
    finally:
        (cwd / "config" / "team.yaml").write_text(TEAM.lstrip())
    assert planned.code == 3, planned.output
    assert "BLOCKED (data-loss): the index's record count could not be read" in planned.stdout


def _team_with_one_record(server: Any, tmp_path: Path) -> tuple[Cli, Any]:
    """TEAM applied, and one record upserted into its index `recs`: the CLI and team-a's SDK client."""
    cli = Cli(tmp_path, cli_env(server))
    cli.write("config/team.yaml", TEAM)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    control = Sdk(server).control("team-a")
    control.Index(host=control.describe_index("recs").host).upsert(vectors=[("a", [1.0, 0, 0, 0])])
    return cli, control


def test_a_rename_whose_backup_and_new_index_both_say_nothing_keeps_the_old_index(tmp_path: Path) -> None:
    """A backup without `record_count` and a new index whose stats say 0: never read as 0 == 0."""

    def rewrite(method: str, path: str, status: int, data: Any) -> tuple[int, Any] | None:
        if method == "GET" and path.startswith("/backups/") and isinstance(data, dict):
            return status, {k: v for k, v in data.items() if k != "record_count"}
        if path.endswith("/describe_index_stats") and "recs-v2" in path:
            return 200, {"namespaces": {}, "totalVectorCount": 0, "dimension": 4}
        return None

    with running_server(ready_after=0) as server:
        cli, control = _team_with_one_record(server, tmp_path)
        cli.write(
            "config/team.yaml", TEAM.replace("- name: recs\n", "- name: recs-v2\n    renamed_from: recs\n")
        )
        with rewriting_proxy(server.url, rewrite) as url:
            applied = Cli(tmp_path, {**cli_env(server), "DECLARATE_API_URL": url})(
                "apply", "-f", "config", "--auto-approve"
            )
        assert applied.code == 1, applied.output
        assert "recs" in [i.name for i in control.list_indexes()]
        data = control.Index(host=control.describe_index("recs").host)
        assert list(data.fetch(ids=["a"]).vectors) == ["a"]


def test_an_index_planned_empty_is_not_deleted_once_records_arrived(tmp_path: Path) -> None:
    """The plan read 0 records (the delete needs no override); by the time apply deletes, the index
    holds one: it is counted again and kept, with a message to plan again."""
    stats_answers: list[int] = []

    def empty_at_plan_time(method: str, path: str, status: int, data: Any) -> tuple[int, Any] | None:
        if path.endswith("/describe_index_stats"):
            stats_answers.append(status)
            if len(stats_answers) == 1:
                return 200, {"namespaces": {}, "totalVectorCount": 0, "dimension": 4}
        return None

    with running_server(ready_after=0) as server:
        cli, control = _team_with_one_record(server, tmp_path)
        cli.write("config/team.yaml", "kind: Project\nname: team-a\n")
        with rewriting_proxy(server.url, empty_at_plan_time) as url:
            applied = Cli(tmp_path, {**cli_env(server), "DECLARATE_API_URL": url})(
                "apply", "-f", "config", "--auto-approve"
            )
        assert applied.code == 1, applied.output
        assert "held no record when planned, but now it holds 1 record in 1 namespace" in applied.output
        assert [i.name for i in control.list_indexes()] == ["recs"]
