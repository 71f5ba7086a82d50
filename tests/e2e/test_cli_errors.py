"""User mistakes at the command line give one clear line and exit 1, never a traceback.

Each case runs the real CLI in a subprocess (the harness fails on any "Traceback" in stderr):
`local serve` on a port in use, out of range, an unknown host or an unusable data file; a target
URL without a scheme; a server that is not there; a config that does not parse (one error, not a
second "no documents found"); and a number YAML reads as text.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Cli, cli_env

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


@pytest.fixture
def bare(tmp_path: Path) -> Cli:
    """The CLI with no server and no credentials, the quickstart under ./config."""
    shutil.copytree(QUICKSTART, tmp_path / "config")
    return Cli(tmp_path, cli_env(None))


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    return lines[0]


def test_serve_on_a_port_in_use_names_the_address(bare: Cli, busy_port: int) -> None:
    run = bare("local", "serve", "--port", str(busy_port))
    assert run.code == 1
    assert f"cannot listen on 127.0.0.1:{busy_port}: Address already in use" in one_error_line(run.stderr)
    assert "listening" not in run.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "99999"], "'--port': 99999 is not in the range 0<=x<=65535"),
        (
            ["--host", "999.1.1.1", "--port", "0"],
            "cannot listen on 999.1.1.1:0: '999.1.1.1' is not a known host",
        ),
        (["--data", "/proc/x.db", "--port", "0"], "cannot open the data file /proc/x.db"),
        (["--data", "/proc/no/such/x.db", "--port", "0"], "cannot create the directory of --data"),
    ],
)
def test_serve_with_unusable_options_is_one_error(bare: Cli, args: list[str], expected: str) -> None:
    run = bare("local", "serve", *args)
    assert run.code == 1
    assert expected in run.stderr
    assert "listening" not in run.stdout


@pytest.mark.parametrize("db", ["/proc/x.db", "not-a-database.db"])
def test_plan_with_an_unusable_local_database_is_one_error(bare: Cli, db: str) -> None:
    (bare.cwd / "not-a-database.db").write_text("this is not SQLite\n")
    run = bare("plan", "-f", "config", "--local-db", db)
    assert run.code == 1
    assert "cannot open the local control plane's database" in one_error_line(run.stderr)


@pytest.mark.parametrize("url", ["localhost:5999", "127.0.0.1:5999", "api.example.com"])
def test_a_target_url_without_a_scheme_says_add_http(bare: Cli, url: str) -> None:
    creds = {"PINECONE_CLIENT_ID": "id", "PINECONE_CLIENT_SECRET": "s3cret-value"}
    run = bare("plan", "-f", "config", "--api-url", url, extra_env=creds)
    assert run.code == 1
    line = one_error_line(run.stderr)
    assert "add http:// or https://" in line and url in line
    assert "s3cret-value" not in run.output


def test_a_target_that_is_not_there_names_the_full_url_and_attempts(bare: Cli) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    creds = {"PINECONE_CLIENT_ID": "id", "PINECONE_CLIENT_SECRET": "s3cret-value"}
    run = bare("plan", "-f", "config", "--api-url", url, extra_env=creds)
    assert run.code == 1
    assert one_error_line(run.stderr) == f"Error: POST {url}/oauth/token: connection refused after 6 attempts"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "the config path 'missing' does not exist"),
        ({"missing/p.yaml": "kind: Project\nname: a\n\tdescription: tab\n"}, "tab"),
        ({"missing/p.yaml": "kind: Project\nname: [a\n"}, "YAML syntax error"),
    ],
)
def test_a_config_that_does_not_load_is_one_error_not_also_an_empty_config(
    bare: Cli, files: dict[str, str], expected: str
) -> None:
    for relative, text in files.items():
        bare.write(relative, text)
    for command in (["validate"], ["plan"]):
        run = bare(*command, "-f", "missing")
        assert run.code == 1
        assert expected in run.stderr
        assert "no documents found" not in run.stderr
        assert "1 error, 0 warnings" in run.stderr


def test_an_exponent_yaml_reads_as_text_is_not_called_quoted(bare: Cli) -> None:
    bare.write(
        "big/p.yaml",
        """
        kind: Project
        name: a
        indexes:
          - name: i
            dimension: 1e400
            spec: {serverless: {cloud: aws, region: us-east-1}}
        """,
    )
    run = bare("validate", "-f", "big")
    assert run.code == 1
    assert "p.yaml:5:" in run.stderr and "found '1e400'" in run.stderr
    assert "quotes" not in run.stderr
    assert "write the number in plain digits" in run.stderr
