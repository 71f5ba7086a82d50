"""An index rename killed with SIGKILL after each of its requests converges on the next run: no record
lost (fetched by id through the SDK), one index under the new name, no backup and no marker tag left
behind (DESIGN §9.1: "kill -9 at each step").

The server kills the apply itself (`on_answer`): once the rename's first request (its backup) is
applied, the N-th answer the apply receives is never sent, for N = 1 to every request the rename
makes: the backup, its wait, the create from the backup, the waits for the new index, its record
count, the old index's delete and the wait for its 404, the backup's delete, the marker's removal,
and the temporary key's delete at the end. Each kill point renames the index of its own project, on
one served server with a few records, so each case starts from a rename that was never tried.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.reliability.estate import apply_until_clean, finish, start_cli

MARKER = "declarate-renaming-from"
FIRST_STEP = "POST /indexes/{index_name}/backups"  # the rename's first request: it backs up the old index
IDS = [f"r{i}" for i in range(6)]


def before(project: str) -> str:
    return f"kind: Project\nname: {project}\nindexes:\n  - name: recs\n    dimension: 4\n"


def after(project: str) -> str:
    return (
        f"kind: Project\nname: {project}\nindexes:\n  - name: recs-v2\n    renamed_from: recs\n"
        "    dimension: 4\n"
    )


class KillSwitch:
    """Counts the answers a run receives from the rename's first request on; at the N-th, kills it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pid: int | None = None
        self.kill_at = 0  # 0: never kill, only count
        self.counted = 0

    def arm(self, pid: int, kill_at: int) -> None:
        with self._lock:
            self.pid, self.kill_at, self.counted = pid, kill_at, 0

    def __call__(self, template: str, status: str) -> None:
        with self._lock:
            if self.pid is None or (self.counted == 0 and template != FIRST_STEP):
                return
            self.counted += 1
            if self.counted == self.kill_at:
                os.kill(self.pid, signal.SIGKILL)  # before the answer leaves: applied, never learned
                self.pid = None


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with running_server(ready_after=0) as served:
        yield served


def _arrange(cli: Cli, sdk: Sdk, project: str) -> None:
    """Project `project` with index `recs` holding IDS, then a config that renames it to `recs-v2`."""
    cli.write(f"{project}/team.yaml", before(project))
    assert cli("apply", "-f", project, "--auto-approve").code == 0
    control = sdk.control(project)
    data = control.Index(host=control.describe_index("recs").host)
    data.upsert(vectors=[(i, [1.0, float(n), 0.5, 0.25]) for n, i in enumerate(IDS)])
    cli.write(f"{project}/team.yaml", after(project))


def _rename(cli: Cli, switch: KillSwitch, project: str, kill_at: int) -> int:
    """Run the rename's apply with the switch armed; its exit code."""
    process = start_cli(cli, "apply", "-f", project, "--auto-approve")
    switch.arm(process.pid, kill_at)
    return finish(process).code


def _assert_converged(sdk: Sdk, project: str) -> None:
    control = sdk.control(project)
    assert {i.name for i in control.list_indexes()} == {"recs-v2"}
    described = control.describe_index("recs-v2")
    assert MARKER not in dict(described.tags or {})
    fetched = control.Index(host=described.host).fetch(ids=IDS).vectors
    assert sorted(fetched) == sorted(IDS)
    assert list(control.list_backups()) == []


def test_a_rename_killed_after_each_of_its_requests_converges_without_losing_records(
    tmp_path: Path, server: Any
) -> None:
    cli = Cli(tmp_path, cli_env(server))
    sdk = Sdk(server)
    switch = KillSwitch()
    stop = server.on_answer(switch)
    try:
        # A rename that runs to the end says how many requests it makes: each is a kill point.
        _arrange(cli, sdk, "counted")
        assert _rename(cli, switch, "counted", kill_at=0) == 0
        points = switch.counted
        _assert_converged(sdk, "counted")
        assert points >= 10, f"the rename made only {points} requests"

        for kill_at in range(1, points + 1):
            project = f"kill-{kill_at}"
            _arrange(cli, sdk, project)
            assert _rename(cli, switch, project, kill_at) == -signal.SIGKILL, f"not killed at {kill_at}"

            runs = apply_until_clean(cli, "-f", project)
            assert runs[-1].code == 0, (kill_at, [r.output for r in runs])
            _assert_converged(sdk, project)
        # Every killed rename is done: one plan over all of them has nothing left to do.
        roots = [arg for n in range(1, points + 1) for arg in ("-f", f"kill-{n}")]
        assert cli("plan", *roots, "--detailed-exitcode").code == 0
    finally:
        stop()
