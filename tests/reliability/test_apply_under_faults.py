"""Apply converges under injected failures: 5xx, 503 and dropped connections (some after the fact).

Half of the injected drops happen after the server applied the request, so a create may have taken
effect although the client saw nothing; API key and service account names are not unique
server-side, so only the provider's care keeps a retried create from making a second one. The
census is taken through the official SDK on a fault-free server over the same data file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.reliability.estate import Census, apply_until_clean, fleet_config

RUNS = 6


@pytest.mark.parametrize("seed", [11, 12])
def test_apply_under_ten_percent_failures_converges_without_duplicates(tmp_path: Path, seed: int) -> None:
    data = tmp_path / "control-plane.db"
    work = tmp_path / "work"
    work.mkdir()
    with running_server(ready_after=0, db_path=str(data), fail_rate=0.1, fault_seed=seed) as flaky:
        cli = Cli(work, cli_env(flaky))
        fleet_config(cli)
        runs = apply_until_clean(cli, "-f", "config", runs=RUNS)
        assert runs[-1].code == 0, f"no clean apply in {RUNS} runs:\n{runs[-1].output}"
        replanned = cli("plan", "-f", "config", "--detailed-exitcode")
        assert replanned.code == 0, replanned.output
        injected = flaky.stats()["by_status"]
    assert sum(n for status, n in injected.items() if status in ("500", "503", "dropped")) > 0
    with running_server(ready_after=0, db_path=str(data)) as calm:
        census = Census.take(Sdk(calm))
    assert census.duplicates() == {}
    assert census.temporary_keys() == []
    assert set(census.projects) >= {"team-a", "team-b", "team-c"}
    assert census.api_keys["project/team-b/api-key/recs-service"] == 1
    assert census.service_accounts["fleet-ci"] == 1


def test_dropped_create_answers_never_leave_a_second_key_or_service_account(tmp_path: Path) -> None:
    # Every other admin create loses its answer (half of those after the server made the object):
    # the ambiguous-create path runs for every kind, many times.
    data = tmp_path / "control-plane.db"
    work = tmp_path / "work"
    work.mkdir()
    with running_server(
        ready_after=0,
        db_path=str(data),
        fail_rate=0.5,
        fail_kinds=("drop",),
        fault_route=("POST /admin",),
        fault_seed=5,
    ) as flaky:
        cli = Cli(work, cli_env(flaky))
        fleet_config(cli, projects=("team-a", "team-b"))
        runs = apply_until_clean(cli, "-f", "config", runs=RUNS)
        assert runs[-1].code == 0, f"no clean apply in {RUNS} runs:\n{runs[-1].output}"
        assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
        assert flaky.stats()["by_status"].get("dropped", 0) > 0
    with running_server(ready_after=0, db_path=str(data)) as calm:
        census = Census.take(Sdk(calm))
    assert census.duplicates() == {}
    assert census.temporary_keys() == []
    # Every key that survived has its secret on disk: none was made by a lost attempt and kept.
    written = {p.name for p in (work / ".declarate" / "secrets").iterdir()}
    for project in ("team-a", "team-b"):
        for key in ("recs-service", "search-reader"):
            assert f"project__{project}__api-key__{key}.value" in written
    assert "service-account__fleet-ci.client_secret" in written
