"""Backup schedules as config, end to end: apply, plan (no changes), the SDK, drift, export, saved plans.

Arranged as a user meets it: a project whose index lists `backup_schedules`, applied with the CLI
against a served local control plane; the official SDK reads the schedules back, changes one out of
band and moves the local clock (the server runs in this process) to show scheduled runs and expiry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from declarate.local import clock
from tests.e2e.harness import Cli, Sdk

DAY = 86400.0
NIGHTLY = "project/search/index/products/backup-schedule/nightly"
MONTHLY = "project/search/index/products/backup-schedule/monthly"
CONFIG = """\
    kind: Project
    name: search
    indexes:
      - name: products
        dimension: 8
        spec: {serverless: {cloud: aws, region: us-east-1}}
        backup_schedules:
          - {name: nightly, frequency: daily, retain_days: 2}
          - {name: monthly, frequency: monthly, retain_days: 365, enabled: false}
      - name: plain
        dimension: 8
    """


@pytest.fixture
def moved_clock() -> Iterator[Any]:
    yield clock.advance
    clock.reset()


def _schedules(sdk: Sdk, index: str = "products") -> dict[str, Any]:
    return {s.name: s for s in sdk.control("search").backup_schedules.list(index_name=index)}


def test_schedules_round_trip_through_apply_plan_the_sdk_and_the_clock(
    cli: Cli, sdk: Sdk, moved_clock: Any
) -> None:
    cli.write("config/search.yaml", CONFIG)
    planned = cli("plan", "-f", "config", "--format", "json")
    assert planned.code == 0, planned.output
    changes = {c["address"]: c for c in json.loads(planned.stdout)["changes"]}
    assert changes[NIGHTLY]["action"] == "create" and changes[MONTHLY]["action"] == "create"
    assert "project/search/index/products" in changes[NIGHTLY]["depends_on"]

    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0

    live = _schedules(sdk)
    assert set(live) == {"nightly", "monthly"}
    nightly, monthly = live["nightly"], live["monthly"]
    assert (nightly.frequency, nightly.retention_expire_after_days, nightly.enabled) == ("daily", 2, True)
    assert (monthly.frequency, monthly.retention_expire_after_days, monthly.enabled) == (
        "monthly",
        365,
        False,
    )
    assert monthly.next_scheduled_run is None
    assert list(sdk.control("search").backup_schedules.list(index_name="plain")) == []

    moved_clock(3.5 * DAY)  # runs on days 1, 2 and 3; the day-1 backup expired on day 3
    history = list(sdk.control("search").backup_schedules.history(schedule_id=nightly.schedule_id))
    assert [run.status for run in history] == ["Ready", "Ready", "Scheduled"]
    assert all(run.source_index_name == "products" for run in history)
    backups = sdk.control("search").backups.list(index_name="products")
    assert len(list(backups)) == 2
    # Runs and expiry change nothing declarate manages.
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_a_shorter_retention_says_it_deletes_backups_and_needs_consent(
    cli: Cli, sdk: Sdk, moved_clock: Any
) -> None:
    cli.write("config/search.yaml", CONFIG)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    moved_clock(2.5 * DAY)  # runs on days 1 and 2, both kept for 2 days
    assert len(list(sdk.control("search").backups.list(index_name="products"))) == 2
    cli.write("config/search.yaml", CONFIG.replace("retain_days: 2", "retain_days: 1"))

    text = cli("plan", "-f", "config")
    assert text.code == 3, text.output
    assert "lowering retain_days from 2 to 1 deletes the backups this schedule took more than 1 day ago" in (
        text.stdout
    )
    assert f"--allow-delete {NIGHTLY}" in text.stdout
    refused = cli("apply", "-f", "config", "--auto-approve")
    assert refused.code == 3, refused.output
    assert len(list(sdk.control("search").backups.list(index_name="products"))) == 2

    allowed = cli("apply", "-f", "config", "--auto-approve", "--allow-delete", NIGHTLY)
    assert allowed.code == 0, allowed.output
    assert len(list(sdk.control("search").backups.list(index_name="products"))) < 2
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_drift_reports_an_out_of_band_change_and_apply_restores_it(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/search.yaml", CONFIG)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    control = sdk.control("search")
    nightly = _schedules(sdk)["nightly"]
    control.backup_schedules.update(schedule_id=nightly.schedule_id, frequency="weekly", retention_days=9)

    drift = cli("drift", "-f", "config", "--format", "json")
    assert drift.code == 2, drift.output
    report = json.loads(drift.stdout)
    assert NIGHTLY in json.dumps(report)
    text = cli("drift", "-f", "config")
    assert "frequency" in text.stdout and '"weekly"' in text.stdout and '"daily"' in text.stdout

    planned = cli("plan", "-f", "config", "--format", "json")
    (change,) = json.loads(planned.stdout)["changes"]
    assert (change["address"], change["action"]) == (NIGHTLY, "update")
    assert {(f["path"], f["before"], f["after"]) for f in change["fields"]} == {
        ("frequency", "weekly", "daily"),
        ("retain_days", 9, 2),
    }
    # Restoring the shorter retention deletes the backups kept for the longer one: consent first.
    assert [b["rule"] for b in change["blocks"]] == ["data-loss"]
    assert cli("apply", "-f", "config", "--auto-approve").code == 3
    assert cli("apply", "-f", "config", "--auto-approve", "--allow-delete", NIGHTLY).code == 0
    restored = _schedules(sdk)["nightly"]
    assert (restored.schedule_id, restored.frequency, restored.retention_expire_after_days) == (
        nightly.schedule_id,
        "daily",
        2,
    )


def test_only_an_index_that_lists_backup_schedules_has_its_schedules_deleted(cli: Cli, sdk: Sdk) -> None:
    cli.write("config/search.yaml", CONFIG)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    control = sdk.control("search")
    control.backup_schedules.create(index_name="plain", name="by-hand", frequency="weekly", retention_days=3)
    nightly_id = _schedules(sdk)["nightly"].schedule_id
    control.backup_schedules.update(schedule_id=nightly_id, enabled=False)
    control.backup_schedules.create(
        index_name="products", name="console", frequency="daily", retention_days=1
    )

    planned = json.loads(cli("plan", "-f", "config", "--format", "json").stdout)
    assert sorted((c["address"], c["action"]) for c in planned["changes"]) == [
        ("project/search/index/products/backup-schedule/console", "delete"),
        (NIGHTLY, "update"),
    ]
    # `plain` does not list backup_schedules: its schedule is neither read nor touched.
    assert "by-hand" not in json.dumps(planned)
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output  # the console schedule is deleted before nightly is re-enabled
    assert set(_schedules(sdk)) == {"nightly", "monthly"} and _schedules(sdk)["nightly"].enabled
    assert set(_schedules(sdk, "plain")) == {"by-hand"}

    # Without the key, declarate leaves the index's schedules alone.
    cli.write(
        "config/search.yaml",
        CONFIG.split("        backup_schedules:")[0] + "      - name: plain\n        dimension: 8\n",
    )
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0
    # With an empty list it owns them all: both are deleted (all of several: --allow-mass-delete).
    cli.write("config/search.yaml", CONFIG.replace(
        "          - {name: nightly, frequency: daily, retain_days: 2}\n"
        "          - {name: monthly, frequency: monthly, retain_days: 365, enabled: false}\n",
        "",
    ).replace("backup_schedules:", "backup_schedules: []"))  # fmt: skip
    blocked = cli("plan", "-f", "config", "--detailed-exitcode")
    assert blocked.code == 3 and "--allow-mass-delete" in blocked.stdout
    removed = cli("apply", "-f", "config", "--auto-approve", "--allow-mass-delete")
    assert removed.code == 0, removed.output
    assert _schedules(sdk) == {}


def test_export_writes_schedules_that_plan_back_to_no_changes_and_saved_plans_rederive_them(
    cli: Cli, sdk: Sdk
) -> None:
    cli.write("config/search.yaml", CONFIG)
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    exported = cli("export", "-o", "exported")
    assert exported.code == 0, exported.output
    document = yaml.safe_load((cli.cwd / "exported" / "projects" / "search.yaml").read_text())
    products = next(i for i in document["indexes"] if i["name"] == "products")
    assert products["backup_schedules"] == [
        {"name": "monthly", "frequency": "monthly", "retain_days": 365, "enabled": False},
        {"name": "nightly", "frequency": "daily", "retain_days": 2},
    ]
    assert "backup_schedules" not in next(i for i in document["indexes"] if i["name"] == "plain")
    again = cli("plan", "-f", "exported/projects", "--detailed-exitcode")
    assert again.code == 0, again.output

    cli.write("config/search.yaml", CONFIG.replace("retain_days: 2}", "retain_days: 14}"))
    saved = cli("plan", "-f", "config", "--out", "plan.json")
    assert saved.code == 0, saved.output
    inputs = json.loads((cli.cwd / "plan.json").read_text())["inputs"]["desired"]["resources"]
    assert any(r["address"] == NIGHTLY for r in inputs)
    assert cli("apply", "plan.json", "--auto-approve").code == 0
    assert _schedules(sdk)["nightly"].retention_expire_after_days == 14
