"""An index rename killed with SIGKILL at each of its steps converges on the next run: no record
lost (fetched by id through the SDK), the old index gone, no backup left behind (DESIGN §9.1)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.reliability.estate import apply_until_clean, finish, start_cli

POLL_LIMIT = 60.0  # seconds: a bound on waiting for the background apply, never a measured time

BEFORE = """
kind: Project
name: team-a
indexes:
  - name: recs
    dimension: 4
"""
AFTER = """
kind: Project
name: team-a
indexes:
  - name: recs-v2
    renamed_from: recs
    dimension: 4
"""
IDS = [f"r{i}" for i in range(12)]


def _names(control: Any) -> set[str]:
    return {i.name for i in control.list_indexes()}


def _backups(control: Any) -> list[Any]:
    return list(control.list_backups())


# How far the killed run must have come: a state that lasts while the next step waits on the server.
STEPS: dict[str, Callable[[Any], bool]] = {
    "after the backup": lambda c: bool(_backups(c)),
    "after creating the new index": lambda c: "recs-v2" in _names(c),
    "after deleting the old index": lambda c: "recs" not in _names(c),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_rename_killed_at_each_step_converges_without_losing_records(tmp_path: Path, step: str) -> None:
    # Every request waits, and indexes and backups take a while to be Ready: each step is caught.
    with running_server(ready_after=1.0, latency_ms=60) as server:
        cli = Cli(tmp_path, cli_env(server))
        sdk = Sdk(server)
        cli.write("config/team.yaml", BEFORE)
        assert cli("apply", "-f", "config", "--auto-approve").code == 0
        control = sdk.control("team-a")
        data = control.Index(host=control.describe_index("recs").host)
        data.upsert(vectors=[(i, [1.0, float(n), 0.5, 0.25]) for n, i in enumerate(IDS)])

        cli.write("config/team.yaml", AFTER)
        killed = start_cli(cli, "apply", "-f", "config", "--auto-approve")
        reached = STEPS[step]
        deadline = time.monotonic() + POLL_LIMIT
        while not reached(control):
            assert killed.poll() is None, f"the apply ended before {step}: {finish(killed).output}"
            assert time.monotonic() < deadline, f"the apply never got {step}"
        killed.send_signal(signal.SIGKILL)
        assert finish(killed).code == -signal.SIGKILL

        runs = apply_until_clean(cli, "-f", "config")
        assert runs[-1].code == 0, [r.output for r in runs]
        assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
        assert _names(control) == {"recs-v2"}
        renamed = control.Index(host=control.describe_index("recs-v2").host)
        assert sorted(renamed.fetch(ids=IDS).vectors) == sorted(IDS)
        assert _backups(control) == []
        assert "declarate-renaming-from" not in dict(control.describe_index("recs-v2").tags or {})
