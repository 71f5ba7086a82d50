"""`-V`, `-v`/`--debug`/`DECLARATE_LOG`, and JSON diagnostics, through the CLI in a subprocess.

The debug log shows each HTTP request (method, full URL, status, latency, attempt) and each retry,
so retries under faults are visible; it never shows a credential, header, body or query string.
JSON diagnostics go to stdout for `validate --format json` and for `plan --format json` on a bad
config, so a tool reading stdout always gets a document.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from declarate import __version__
from declarate.local import running_server
from tests.e2e.harness import Cli, cli_env

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
REQUEST_LINE = re.compile(
    r"^declarate: DEBUG declarate\.http: (GET|POST|PATCH|DELETE) (http://\S+) -> (\d{3}) in \d+ ms \(attempt (\d) of 6\)$"
)


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(embedded_cli: Cli, flag: str) -> None:
    run = embedded_cli(flag)
    assert run.code == 0
    assert run.stdout.strip() == f"declarate, version {__version__}"


@pytest.mark.parametrize(
    ("args", "env"),
    [(["-v", "plan"], {}), (["plan", "--debug"], {}), (["plan"], {"DECLARATE_LOG": "debug"})],
)
def test_debug_logs_each_request_and_each_retry_without_a_secret(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    # Every third faulted request answers 503: retries happen, and the plan still succeeds.
    with running_server(fail_rate=0.3, fail_kinds=("503",), fault_seed=7) as server:
        cli = Cli(tmp_path, cli_env(server))
        shutil.copytree(QUICKSTART, tmp_path / "config")
        run = cli(*args, "-f", "config", extra_env=env)
        served = server.stats()

    assert run.code == 0, run.output
    requests = [m for m in map(REQUEST_LINE.match, run.stderr.splitlines()) if m]
    assert len(requests) == served["total"]  # one line per attempt, retries included
    assert {m.group(2).split("/", 3)[2] for m in requests} == {server.url.removeprefix("http://")}
    assert any(m.group(3) == "503" for m in requests)
    assert any(int(m.group(4)) > 1 for m in requests)
    assert re.search(r": retry \d of 5 in \d+\.\d\d s", run.stderr)
    assert_no_secret(run.stderr, server)


def assert_no_secret(text: str, server: Any) -> None:
    assert server.client_secret not in text
    for needle in ("Bearer", "Api-Key", "api-key", "access_token", "client_secret", "?"):
        assert needle not in text, needle


def test_without_a_flag_nothing_is_logged(cli: Cli) -> None:
    shutil.copytree(QUICKSTART, cli.cwd / "config")
    run = cli("plan", "-f", "config")
    assert run.code == 0, run.output
    assert "DEBUG" not in run.stderr


def test_an_unknown_log_level_is_one_error(embedded_cli: Cli) -> None:
    run = embedded_cli("validate", extra_env={"DECLARATE_LOG": "loud"})
    assert run.code == 1
    assert (
        run.stderr.strip()
        == "Error: DECLARATE_LOG='loud' is not a level: use one of debug, info, warning, error"
    )


def bad_config(cli: Cli) -> None:
    cli.write(
        "config/p.yaml",
        """
        kind: Project
        name: a
        indexes:
          - name: i
            dimensoin: 8
        """,
    )


def test_validate_format_json_puts_the_diagnostics_on_stdout(embedded_cli: Cli) -> None:
    bad_config(embedded_cli)
    run = embedded_cli("validate", "-f", "config", "--format", "json")
    assert run.code == 1
    document = json.loads(run.stdout)
    assert document["valid"] is False and document["errors"] >= 1
    first = document["diagnostics"][0]
    assert set(first) == {"file", "line", "column", "path", "severity", "code", "message", "hint"}
    unknown = next(d for d in document["diagnostics"] if d["path"].endswith("dimensoin"))
    assert (unknown["file"], unknown["line"], unknown["severity"]) == ("config/p.yaml", 5, "error")
    assert "dimension" in (unknown["hint"] or "")


def test_validate_format_json_of_a_valid_config(embedded_cli: Cli) -> None:
    shutil.copytree(QUICKSTART, embedded_cli.cwd / "config")
    run = embedded_cli("validate", "-f", "config", "--format", "json")
    assert run.code == 0
    document = json.loads(run.stdout)
    assert document["valid"] is True and document["errors"] == 0 and document["documents"] >= 3


def test_plan_format_json_on_a_bad_config_prints_the_diagnostics_as_json(cli: Cli, server: Any) -> None:
    bad_config(cli)
    run = cli("plan", "-f", "config", "--format", "json")
    assert run.code == 1
    assert json.loads(run.stdout)["valid"] is False
    assert "dimensoin" in run.stderr  # people reading the log still see the text
    assert server.stats()["total"] == 0  # nothing was sent
