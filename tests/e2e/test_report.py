"""`declarate report`: usage per project, checked against what the official SDK reports.

Two projects on a served local control plane, records upserted with `pc.Index(host=...)`; the report's
figures must equal the SDK's `describe_index_stats` for each index, an index whose data plane cannot
be reached must show as unknown (never 0), every format must parse, and reading must cost
O(projects + indexes) requests.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env

REPORT_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text(encoding="utf-8")
)

CONFIG = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 4
  - name: docs
    dimension: 4
  - name: empty
    dimension: 4
role_bindings:
  - service_account: recs-ci
    role: ProjectViewer
  - service_account: recs-ci
    role: ProjectEditor
---
kind: Organization
service_accounts:
  - name: recs-ci
---
kind: Project
name: team-b
indexes:
  - name: logs
    dimension: 4
"""

# Records per index and namespace, upserted through the SDK.
RECORDS = {
    ("team-a", "recs"): {"": 5, "archive": 3},
    ("team-a", "docs"): {"en": 7},
    ("team-b", "logs"): {"": 2, "x": 1, "y": 4},
}


def _upsert(sdk: Sdk, project: str, index: str, namespaces: dict[str, int]) -> Any:
    control = sdk.control(project)
    data = control.Index(host=control.describe_index(index).host)
    for namespace, count in namespaces.items():
        vectors = [(f"{namespace or 'd'}-{n}", [0.1 * (n + 1), 0.2, 0.3, 0.4]) for n in range(count)]
        data.upsert(vectors=vectors, namespace=namespace)
    return data


def _sdk_stats(sdk: Sdk, project: str, index: str) -> Any:
    control = sdk.control(project)
    return control.Index(host=control.describe_index(index).host).describe_index_stats()


def _report(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("report", "--format", "json", *args)
    assert result.code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    Draft202012Validator(REPORT_SCHEMA).validate(document)
    return document


@pytest.fixture
def estate(cli: Cli, sdk: Sdk) -> Cli:
    cli.write("config/teams.yaml", CONFIG)
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output
    for (project, index), namespaces in RECORDS.items():
        _upsert(sdk, project, index, namespaces)
    return cli


def test_report_figures_equal_what_the_sdk_reports_for_each_index(estate: Cli, sdk: Sdk) -> None:
    document = _report(estate)
    projects = {p["name"]: p for p in document["projects"]}
    assert set(projects) >= {"team-a", "team-b"}
    for project in ("team-a", "team-b"):
        for index in projects[project]["indexes"]:
            stats = _sdk_stats(sdk, project, index["name"])
            assert index["records"] == stats.total_vector_count, index
            assert index["namespaces"] == len(stats.namespaces), index
            assert index["unknown"] is None
            assert index["deployment"] == "serverless"
            # Storage is what the namespaces hold: bytes when there are records, 0 when there are none.
            assert (index["storage_bytes"] > 0) == (stats.total_vector_count > 0), index
    team_a = projects["team-a"]["totals"]
    assert team_a["records"] == 15 and team_a["namespaces"] == 3 and team_a["complete"] is True
    assert team_a["indexes"] == {"serverless": 3, "dedicated": 0, "pod": 0, "byoc": 0, "total": 3}
    organization = document["totals"]
    assert organization["records"] == sum(sum(n.values()) for n in RECORDS.values()) == 22
    assert organization["storage_bytes"] == sum(
        i["storage_bytes"] for p in document["projects"] for i in p["indexes"]
    )
    assert document["complete"] is True and organization["unknown"] == []


def test_backups_keys_and_members_are_counted_per_project(estate: Cli, sdk: Sdk) -> None:
    control = sdk.control("team-a")  # mints the SDK's own key in team-a: one API key there
    control.create_backup(index_name="recs", backup_name="before-migration")
    project = {p["name"]: p for p in _report(estate)["projects"]}["team-a"]
    assert project["backups"]["count"] == 1
    assert project["backups"]["size_bytes"] > 0
    assert project["api_keys"] == 1  # declarate's own temporary key is not counted
    assert (project["members"], project["role_bindings"]) == (1, 2)  # one account, two roles


def test_each_format_parses(estate: Cli) -> None:
    table = estate("report", "--format", "csv")
    assert table.code == 0, table.output
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    by_project = {r["project"]: r for r in rows if r["row"] == "project"}
    assert by_project["team-a"]["records"] == "15" and by_project["team-b"]["records"] == "7"
    assert [r["row"] for r in rows][-1] == "total" and rows[-1]["records"] == "22"

    markdown = estate("report", "--format", "markdown")
    assert markdown.code == 0, markdown.output
    assert markdown.stdout.index("```mermaid") < markdown.stdout.index("| Project |")
    assert "pie showData title Records per project" in markdown.stdout
    assert '"team-a" : 15' in markdown.stdout and '"team-b" : 7' in markdown.stdout

    text = estate("report")
    assert text.code == 0, text.output
    assert "team-a" in text.stdout and "Organization" in text.stdout and "22" in text.stdout


def test_markdown_goes_to_the_step_summary_too(estate: Cli) -> None:
    summary = estate.cwd / "summary.md"
    result = estate("report", extra_env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 0, result.output
    assert "```mermaid" in summary.read_text(encoding="utf-8")


# Every route `report` sends to, by template.
REPORT_ROUTES = {
    "POST /oauth/token",
    "GET /admin/projects",
    "GET /admin/role-bindings",
    "GET /admin/projects/{project_id}/api-keys",
    "POST /admin/projects/{project_id}/api-keys",
    "DELETE /admin/api-keys/{api_key_id}",
    "GET /indexes",
    "GET /backups",
    "POST /index/{index_host}/describe_index_stats",
    "GET /index/{index_host}/namespaces",
}


def _served_for_report(cli: Cli, server: Any) -> tuple[dict[str, Any], dict[str, int], int]:
    """The report, the requests it sent by route, and how many of them succeeded.

    Counting successes keeps the figures exact on a loaded machine, where the store may answer a
    request 503 and the client send it again.
    """
    server.reset_stats()
    document = _report(cli)
    stats = server.stats()
    failed = sum(n for status, n in stats["by_status"].items() if not status.startswith("2"))
    # The server counts a request once its answer is sent, so the SDK's last call before the report
    # (an upsert, a create) can be counted just after the reset: only the report's routes count.
    reads = sum(n for route, n in stats["by_route"].items() if route in REPORT_ROUTES)
    return document, stats["by_route"], reads - failed


def test_reading_costs_a_fixed_number_of_requests_per_project_and_per_index(
    estate: Cli, server: Any, sdk: Sdk
) -> None:
    document, served, before = _served_for_report(estate, server)
    indexes = sum(len(p["indexes"]) for p in document["projects"])
    data_plane = sum(
        n for route, n in served.items() if "describe_index_stats" in route or "/namespaces" in route
    )
    assert data_plane == 2 * indexes  # stats and the namespace list, once per index
    # Nothing else, in particular never one describe per index (the fixture's last call, an upsert,
    # may be counted after the reset).
    assert set(served) - REPORT_ROUTES <= {"POST /index/{index_host}/vectors/upsert"}, served

    # One more index costs exactly its two data-plane reads ...
    sdk.control("team-b").create_index(name="more", dimension=4, metric="cosine")
    _, served, with_index = _served_for_report(estate, server)
    assert with_index - before == 2, served
    # ... and one more project exactly five: its keys, its indexes, its backups, and the temporary
    # key minted and deleted. The rest (a token, the projects, the bindings) is paid once per run.
    sdk.admin.projects.create(name="team-c")
    _, served, with_project = _served_for_report(estate, server)
    assert with_project - with_index == 5, served
    assert with_project == 3 + 5 * 3 + 2 * (indexes + 1), served


@pytest.fixture
def faulty_server() -> Iterator[Any]:
    # Every request to the data plane of the index named `broken` is dropped without an answer.
    with running_server(
        ready_after=0, fault_route=("/index/broken-",), fail_rate=1.0, fail_kinds=("drop",)
    ) as s:
        yield s


def test_an_unreachable_data_plane_is_unknown_with_its_reason_never_zero(
    faulty_server: Any, tmp_path: Path
) -> None:
    cli, sdk = Cli(tmp_path, cli_env(faulty_server)), Sdk(faulty_server)
    cli.write(
        "config/team.yaml",
        """
        kind: Project
        name: team-a
        indexes:
          - name: broken
            dimension: 4
          - name: fine
            dimension: 4
        """,
    )
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    _upsert(sdk, "team-a", "fine", {"": 3})

    document = _report(cli)
    project = document["projects"][0]
    indexes = {i["name"]: i for i in project["indexes"]}
    assert indexes["broken"]["records"] is None and indexes["broken"]["storage_bytes"] is None
    assert "data plane not readable" in indexes["broken"]["unknown"]
    assert indexes["fine"]["records"] == 3
    assert project["totals"]["complete"] is False and document["complete"] is False
    assert project["totals"]["records"] == 3  # the known part, flagged incomplete
    assert any("project/team-a/index/broken" in u for u in document["totals"]["unknown"])

    text = cli("report")
    assert text.code == 0 and ">= 3" in text.stdout and "broken" in text.stdout
    assert "could not be read" in text.stderr
    table = list(csv.DictReader(io.StringIO(cli("report", "--format", "csv").stdout)))
    assert table[0]["complete"] == "false" and "broken" in table[0]["unknown"]
    assert cli("report", "--fail-on-unknown").code == 1


def test_an_unknown_project_is_an_error_that_names_it(estate: Cli) -> None:
    result = estate("report", "--project", "team-a", "--project", "nope")
    assert result.code == 1
    assert "no such project: nope" in result.stderr


def test_report_of_one_project(estate: Cli) -> None:
    document = _report(estate, "--project", "team-b")
    assert [p["name"] for p in document["projects"]] == ["team-b"]
    assert document["totals"]["records"] == 7


def _prometheus_samples(server: Any, sdk: Sdk, project: str) -> dict[tuple[str, str], int]:
    """(metric, index) -> value, scraped as Prometheus would: discovery, then each target."""
    import httpx

    project_id = sdk.project_id(project)
    key = sdk.admin.api_keys.create(project_id=project_id, name="scrape", roles=["ProjectViewer"]).value
    bearer = {"Authorization": f"Bearer {key}"}
    found: dict[tuple[str, str], int] = {}
    with httpx.Client() as client:
        discovered = client.get(
            f"{server.url}/prometheus/projects/{project_id}/metrics/discover", headers=bearer
        )
        assert discovered.status_code == 200, discovered.text
        for group in discovered.json():
            for target in group["targets"]:
                exported = client.get(target, headers=bearer)
                assert exported.status_code == 200, exported.text
                for line in exported.text.splitlines():
                    if line and not line.startswith("#"):
                        metric, _, value = line.rpartition(" ")
                        name, labels = metric.split("{", 1)
                        index = labels.split('index_name="', 1)[1].split('"', 1)[0]
                        found[(name, index)] = int(value)
    return found


def test_the_prometheus_export_has_the_figures_of_the_report(estate: Cli, sdk: Sdk, server: Any) -> None:
    document = _report(estate)
    compared = 0
    for project in document["projects"]:
        samples = _prometheus_samples(server, sdk, project["name"])
        for index in project["indexes"]:
            assert samples[("pinecone_db_record_total", index["name"])] == index["records"]
            assert samples[("pinecone_db_namespace_total", index["name"])] == index["namespaces"]
            assert samples[("pinecone_db_storage_size_bytes", index["name"])] == index["storage_bytes"]
            compared += 1
        assert len(samples) == 3 * len(project["indexes"])
    assert compared == 4


def test_hostile_project_names_are_inert_in_csv_and_markdown(cli: Cli, sdk: Sdk) -> None:
    formula, forged = '=HYPERLINK("http://x")', 'a"] \n%%{init: {}}%%\n```'
    for name in (formula, forged):
        sdk.admin.projects.create(name=name)
    rows = list(csv.DictReader(io.StringIO(cli("report", "--format", "csv").stdout)))
    names = {r["project"] for r in rows if r["row"] == "project"}
    assert "'" + formula in names and formula not in names
    assert all("\n" not in n for n in names)
    markdown = cli("report", "--format", "markdown").stdout
    fences = [line for line in markdown.splitlines() if line.lstrip().startswith("```")]
    assert fences == ["```mermaid", "```", "```mermaid", "```"]  # no name opens or closes a block
    charts = re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.S)
    assert len(charts) == 2 and not any("%%" in chart or "{" in chart for chart in charts)
    text = cli("report").stdout
    assert "\\n%%{init" in text  # the newline is shown, not obeyed


def test_each_environment_reports_its_own_organization(tmp_path: Path) -> None:
    """examples/environments on two served control planes: --env selects target, credentials, figures."""
    import shutil

    with running_server(ready_after=0) as staging, running_server(ready_after=0) as prod:
        shutil.copytree(
            Path(__file__).resolve().parents[2] / "examples" / "environments", tmp_path / "config"
        )
        env = cli_env(None)
        for name, plane in (("STAGING", staging), ("PROD", prod)):
            env.update({f"{name}_API_URL": plane.url, f"{name}_CLIENT_ID": plane.client_id})
            env[f"{name}_CLIENT_SECRET"] = plane.client_secret
        cli = Cli(tmp_path, env)
        for name in ("staging", "prod"):
            assert cli("apply", "-f", "config", "--env", name, "--auto-approve").code == 0
        refused = cli("report", "-f", "config")
        assert refused.code == 1 and "staging, prod" in refused.stderr

        figures = {}
        for name in ("staging", "prod"):
            document = _report(cli, "-f", "config", "--env", name)
            assert document["environment"] == name and f"environment {name}" in document["target"]
            [project] = document["projects"]
            [index] = project["indexes"]
            assert index["deployment"] == "dedicated" and index["records"] == 0
            figures[name] = (
                index["dedicated_read_nodes"],
                project["api_keys"],
                document["totals"]["dedicated_read_nodes"],
            )
        # replicas 1 x 1 shard in staging, 2 x 1 in prod; prod's overlay adds a second key.
        assert figures == {"staging": (1, 1, 1), "prod": (2, 2, 2)}


def test_a_project_whose_indexes_cannot_be_listed_is_unknown_and_the_others_are_read(
    estate: Cli, sdk: Sdk
) -> None:
    # team-a brings its own key (api_key_env), one that may read data but not list indexes.
    key = sdk.admin.api_keys.create(
        project_id=sdk.project_id("team-a"), name="reader", roles=["DataPlaneViewer"]
    )
    estate.write("own-key/team.yaml", "kind: Project\nname: team-a\napi_key_env: TEAM_A_KEY\n")
    result = estate("report", "-f", "own-key", "--format", "json", extra_env={"TEAM_A_KEY": key.value})
    assert result.code == 0, result.output
    assert key.value not in result.output
    projects = {p["name"]: p for p in json.loads(result.stdout)["projects"]}
    team_a, team_b = projects["team-a"], projects["team-b"]
    assert team_a["indexes"] == [] and "TEAM_A_KEY" in team_a["unknown"]
    assert team_a["totals"]["complete"] is False
    assert any(u.startswith("project/team-a: no API key") for u in team_a["totals"]["unknown"])
    assert team_b["totals"]["records"] == 7 and team_b["totals"]["complete"] is True
