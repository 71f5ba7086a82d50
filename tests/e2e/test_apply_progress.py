"""Apply's progress off a terminal, and Ctrl-C: what a CI log or a user in a pipe sees.

Off a terminal each change gets one line, when it finishes. Ctrl-C stops the apply, prints the
results table of every change that finished (no more, no fewer than the progress lines said) and
exits 130. Runs the CLI in a subprocess against a served local control plane with latency, so the
interrupt lands while changes are still running.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from declarate.local import running_server
from tests.e2e.harness import Cli, cli_env

INDEXES = 6
PROGRESS_LINE = re.compile(r"^\[\s*\d+/(\d+)\] (\S+) (\S+) \.\.\. (\S+)")


def write_config(cli: Cli) -> None:
    indexes = "".join(
        f"  - {{name: idx-{i}, dimension: 8, spec: {{serverless: {{cloud: aws, region: us-east-1}}}}}}\n"
        for i in range(INDEXES)
    )
    cli.write("config/p.yaml", f"kind: Project\nname: p\nindexes:\n{indexes}")


def progress_lines(stderr: str) -> list[tuple[str, str, str]]:
    """(action, address, outcome) of each progress line."""
    found = [PROGRESS_LINE.match(line) for line in stderr.splitlines()]
    return [(m.group(2), m.group(3), m.group(4)) for m in found if m]


def test_off_a_terminal_each_change_is_one_line(tmp_path: Path) -> None:
    with running_server(ready_after=0.2) as server:
        cli = Cli(tmp_path, cli_env(server))
        write_config(cli)
        run = cli("apply", "-f", "config", "--auto-approve")

    assert run.code == 0, run.output
    shown = progress_lines(run.stderr)
    assert len(shown) == INDEXES + 1
    mentions = Counter(
        address for line in run.stderr.splitlines() for address in re.findall(r"project/\S+", line)
    )
    assert set(mentions.values()) == {1}, run.stderr
    assert "Apply complete: 7 done" in run.stdout


def test_ctrl_c_prints_the_results_of_what_finished_and_exits_130(tmp_path: Path) -> None:
    # 150 ms per request and 3 s to Ready: the indexes are still being waited for when SIGINT lands.
    with running_server(ready_after=3.0, latency_ms=150) as server:
        cli = Cli(tmp_path, cli_env(server))
        write_config(cli)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "declarate.cli",
                "apply",
                "-f",
                "config",
                "--auto-approve",
                "--parallelism",
                "2",
            ],
            cwd=cli.cwd,
            env=cli.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        seen: list[str] = []
        while not progress_lines("".join(seen)):  # the project is created first
            line = process.stderr.readline()
            assert line, "the apply ended before a change finished: " + "".join(seen)
            seen.append(line)
        process.send_signal(signal.SIGINT)
        stdout, rest = process.communicate(timeout=60)

    stderr = "".join(seen) + rest
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 130, stderr
    assert "Interrupted." in stderr
    finished = progress_lines(stderr)
    table = stdout[stdout.index("ADDRESS") :]
    rows = [line.split()[:3] for line in table.splitlines()[1:] if line.startswith("project/")]
    assert sorted(rows) == sorted([address, action, outcome] for action, address, outcome in finished)
    unfinished = INDEXES + 1 - len(finished)
    assert unfinished > 0, "the interrupt came too late to test anything"
    assert f"; {unfinished} not finished. Run plan to see what is left." in table
    assert "Apply complete" not in stdout
