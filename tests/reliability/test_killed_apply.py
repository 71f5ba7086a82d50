"""An apply killed with SIGKILL mid-way is finished by the next run, with no duplicates.

The killed run cannot delete its temporary control-plane keys; they stay until a later run finds
them over an hour old (the age is the unix time in the key's name, `declarate-tmp-<time>-<token>`).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.reliability.estate import (
    FLEET_PROJECTS,
    TEMPORARY_KEY_PREFIX,
    Census,
    apply_until_clean,
    finish,
    fleet_config,
    start_cli,
)

POLL_LIMIT = 60.0  # seconds: a bound on waiting for the background apply, never a measured time


def wait_for_first_created_object(sdk: Sdk, process: Any) -> None:
    """Poll the Admin API until the background apply has created an API key or service account."""
    deadline = time.monotonic() + POLL_LIMIT
    project_ids = [sdk.project_id(name) for name in FLEET_PROJECTS]
    while time.monotonic() < deadline:
        assert process.poll() is None, "the apply ended before anything could be killed"
        if any(a.name == "fleet-ci" for a in sdk.admin.service_accounts.list()):
            return
        for project_id in project_ids:
            names = [str(k.name) for k in sdk.admin.api_keys.list(project_id=project_id)]
            if any(not n.startswith(TEMPORARY_KEY_PREFIX) for n in names):
                return
    raise AssertionError("the background apply created nothing in time")


def test_apply_killed_mid_way_converges_on_rerun_without_duplicates(tmp_path: Path) -> None:
    # Every request waits 120 ms, so the apply takes seconds and is caught half done.
    with running_server(ready_after=0.5, latency_ms=120) as server:
        cli = Cli(tmp_path, cli_env(server))
        sdk = Sdk(server)
        for name in FLEET_PROJECTS:  # the projects exist, so the run mints its keys while reading
            cli.write(f"config/projects/{name}.yaml", f"kind: Project\nname: {name}\n")
        assert cli("apply", "-f", "config", "--auto-approve").code == 0
        fleet_config(cli)

        killed = start_cli(cli, "apply", "-f", "config", "--auto-approve")
        wait_for_first_created_object(sdk, killed)
        killed.send_signal(signal.SIGKILL)
        assert finish(killed).code == -signal.SIGKILL
        assert cli("plan", "-f", "config", "--detailed-exitcode").code == 2  # caught half done
        left_behind = Census.take(sdk).temporary_keys()
        assert left_behind, "the killed run should have left its temporary keys"

        runs = apply_until_clean(cli, "-f", "config", runs=3)
        assert runs[-1].code == 0, runs[-1].output
        replanned = cli("plan", "-f", "config", "--detailed-exitcode")
        assert replanned.code == 0, replanned.output
        census = Census.take(sdk)
        assert census.duplicates() == {}
        # Younger than an hour: kept (a run still going may be using it); never shown as a change.
        assert census.temporary_keys() == left_behind
        assert TEMPORARY_KEY_PREFIX not in replanned.output


def test_leftover_temporary_key_over_an_hour_old_is_deleted_by_the_next_run(tmp_path: Path) -> None:
    with running_server(ready_after=0) as server:
        cli = Cli(tmp_path, cli_env(server))
        sdk = Sdk(server)
        cli.write("config/team.yaml", "kind: Project\nname: team-a\n")
        assert cli("apply", "-f", "config", "--auto-approve").code == 0
        project_id = sdk.project_id("team-a")
        now = int(time.time())
        # What a run killed 2 hours ago, and one killed 10 minutes ago, would have left behind.
        stale = f"{TEMPORARY_KEY_PREFIX}{now - 2 * 3600}-0badc0de"
        recent = f"{TEMPORARY_KEY_PREFIX}{now - 600}-0c0ffee0"
        for name in (stale, recent):
            sdk.admin.api_keys.create(project_id=project_id, name=name, roles=["ControlPlaneEditor"])

        planned = cli("plan", "-f", "config", "--detailed-exitcode")
        assert planned.code == 0, planned.output
        remaining = {k.name for k in sdk.admin.api_keys.list(project_id=project_id)}
        assert stale not in remaining
        assert recent in remaining
        assert TEMPORARY_KEY_PREFIX not in planned.output


def test_interrupted_apply_exits_130_and_deletes_its_temporary_keys(tmp_path: Path) -> None:
    """Ctrl-C is not a crash: the run stops cleanly, says so, and leaves no temporary key behind."""
    with running_server(ready_after=0.5, latency_ms=120) as server:
        cli = Cli(tmp_path, cli_env(server))
        sdk = Sdk(server)
        for name in FLEET_PROJECTS:
            cli.write(f"config/projects/{name}.yaml", f"kind: Project\nname: {name}\n")
        assert cli("apply", "-f", "config", "--auto-approve").code == 0
        fleet_config(cli)

        interrupted = start_cli(cli, "apply", "-f", "config", "--auto-approve")
        wait_for_first_created_object(sdk, interrupted)
        interrupted.send_signal(signal.SIGINT)
        run = finish(interrupted)

        assert run.code == 130, run.output
        assert "Interrupted." in run.stderr
        assert "Traceback" not in run.output
        assert Census.take(sdk).temporary_keys() == []
        runs = apply_until_clean(cli, "-f", "config", runs=3)
        assert runs[-1].code == 0, runs[-1].output
        assert Census.take(sdk).duplicates() == {}
