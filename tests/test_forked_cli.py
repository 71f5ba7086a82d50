"""The test harness's forked CLI runs behave as `python -m declarate.cli` would, and survive a /tmp
clean-up that removes their helper's socket (which once failed two e2e tests of a full run at once)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests import forked_cli


def _real(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "declarate.cli", *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_forked_run_gives_the_exit_code_and_streams_of_a_real_one(tmp_path: Path) -> None:
    args = ["validate", "-f", "missing"]
    forked = forked_cli.run(args, cwd=tmp_path, env=dict(os.environ))
    real = _real(args, tmp_path)
    assert (forked.returncode, forked.stdout, forked.stderr) == (real.returncode, real.stdout, real.stderr)
    assert forked.returncode == 1 and "missing" in forked.stderr


def test_a_helper_whose_socket_was_removed_is_replaced_without_repeating_a_call(tmp_path: Path) -> None:
    first = forked_cli.run(["--version"], cwd=tmp_path, env=dict(os.environ))
    helper = forked_cli._the_helper()
    shutil.rmtree(helper.directory)
    calls = forked_cli.usage["calls"]
    again = forked_cli.run(["--version"], cwd=tmp_path, env=dict(os.environ))
    assert (again.returncode, again.stdout) == (0, first.stdout)
    assert forked_cli._the_helper() is not helper
    assert forked_cli.usage["calls"] == calls + 1
