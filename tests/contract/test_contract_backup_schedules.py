"""Contract: backup schedules through the SDK's ``pc.backup_schedules`` (2026-07), runs by the clock.

Scheduled runs and retention are derived from timestamps, so these tests move the local clock
(``declarate.local.clock.advance``) instead of waiting; the server runs in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from contract_support import api_key_headers, bearer
from pinecone import Pinecone
from pinecone.errors import ApiError, ConflictError, ForbiddenError, NotFoundError

from declarate.local import clock
from declarate.local.serve import ServerHandle

DAY = 86400.0
DENSE = {"fields": {"e": {"type": "dense_vector", "dimension": 8, "metric": "cosine"}}}


@pytest.fixture
def moved_clock() -> Iterator[Callable[[float], None]]:
    """``advance(seconds)``; the wall clock is back after the test."""
    yield clock.advance
    clock.reset()


def test_schedule_lifecycle_runs_and_retention(pc: Pinecone, moved_clock: Callable[[float], None]) -> None:
    pc.indexes.create(name="scheduled", schema=DENSE)
    schedule = pc.backup_schedules.create(
        index_name="scheduled", name="nightly", frequency="daily", retention_days=3
    )
    assert (schedule.name, schedule.frequency, schedule.schedule_type) == ("nightly", "daily", "time-based")
    assert (schedule.retention_expire_after_days, schedule.enabled) == (3, True)
    assert schedule.next_scheduled_run is not None
    assert schedule.next_scheduled_run - schedule.created_at == timedelta(days=1)
    assert pc.backup_schedules.describe(schedule_id=schedule.schedule_id).to_dict() == schedule.to_dict()
    assert [s.schedule_id for s in pc.backup_schedules.list(index_name="scheduled")] == [schedule.schedule_id]

    (planned,) = pc.backup_schedules.history(schedule_id=schedule.schedule_id)
    assert planned.status == "Scheduled"
    assert planned.scheduled_execution_at == schedule.next_scheduled_run
    assert planned.name.startswith("nightly-") and planned.source_index_name == "scheduled"
    assert planned.source_index_id == schedule.index_id

    moved_clock(2.5 * DAY)
    history = list(pc.backup_schedules.history(schedule_id=schedule.schedule_id))
    ran = [item for item in history if item.status != "Scheduled"]
    assert [item.status for item in ran] == ["Ready", "Ready"]
    assert ran[0].backup_id == planned.backup_id  # the planned run kept its id once it ran
    assert ran[0].name == planned.name
    assert history[-1].status == "Scheduled"
    backups = {backup.backup_id for backup in pc.backups.list(index_name="scheduled")}
    assert {item.backup_id for item in ran} == backups
    restored = pc.create_index_from_backup(name="from-schedule", backup_id=ran[1].backup_id)
    assert restored.source_backup_id == ran[1].backup_id

    moved_clock(4 * DAY)  # 6.5 days in: runs on days 4, 5, 6 are kept, days 1 to 3 expired
    kept = [item for item in pc.backup_schedules.history(schedule_id=schedule.schedule_id)]
    assert len([item for item in kept if item.status == "Ready"]) == 3
    assert ran[0].backup_id not in {backup.backup_id for backup in pc.backups.list()}
    with pytest.raises(NotFoundError):
        pc.backups.describe(backup_id=ran[0].backup_id)


def test_update_disable_reenable_and_one_enabled_schedule_per_index(
    server: ServerHandle, pc: Pinecone, moved_clock: Callable[[float], None]
) -> None:
    pc.indexes.create(name="twice", schema=DENSE)
    first = pc.backup_schedules.create(index_name="twice", name="first", frequency="daily", retention_days=30)
    with pytest.raises(ConflictError):
        pc.backup_schedules.create(index_name="twice", name="second", frequency="weekly", retention_days=7)
    weekly = pc.backup_schedules.update(schedule_id=first.schedule_id, frequency="weekly", retention_days=10)
    assert (weekly.frequency, weekly.retention_expire_after_days) == ("weekly", 10)
    assert weekly.next_scheduled_run is not None and first.next_scheduled_run is not None
    assert weekly.next_scheduled_run - first.next_scheduled_run >= timedelta(days=5)
    disabled = pc.backup_schedules.update(schedule_id=first.schedule_id, enabled=False)
    assert disabled.enabled is False and disabled.next_scheduled_run is None
    assert list(pc.backup_schedules.history(schedule_id=first.schedule_id)) == []
    second = pc.backup_schedules.create(
        index_name="twice", name="second", frequency="monthly", retention_days=90
    )
    with pytest.raises(ConflictError):
        pc.backup_schedules.update(schedule_id=first.schedule_id, enabled=True)
    moved_clock(40 * DAY)
    (monthly_run, monthly_next) = pc.backup_schedules.history(schedule_id=second.schedule_id)
    assert (monthly_run.status, monthly_next.status) == ("Ready", "Scheduled")
    assert list(pc.backup_schedules.history(schedule_id=first.schedule_id)) == []  # disabled: no runs
    pc.backup_schedules.update(schedule_id=second.schedule_id, enabled=False)
    reenabled = pc.backup_schedules.update(schedule_id=first.schedule_id, enabled=True)
    assert reenabled.enabled is True and reenabled.next_scheduled_run is not None
    (taken, _) = pc.backup_schedules.history(schedule_id=first.schedule_id)  # re-enabling runs at once
    assert taken.status == "Ready"
    response = httpx.delete(
        f"{server.url}/backup-schedules/{second.schedule_id}", headers=api_key_headers(pc)
    )
    assert response.status_code == 204 and response.content == b""
    pc.backup_schedules.delete(schedule_id=first.schedule_id)
    with pytest.raises(NotFoundError):
        pc.backup_schedules.describe(schedule_id=first.schedule_id)
    assert taken.backup_id in {backup.backup_id for backup in pc.backups.list()}  # its backups stay
    pc.indexes.delete("twice")


def test_schedule_errors_and_access(
    server: ServerHandle, project: Any, pc: Pinecone, key_for: Callable[..., Pinecone], admin: Any
) -> None:
    pc.indexes.create(name="guarded", schema=DENSE)
    with pytest.raises(NotFoundError):
        pc.backup_schedules.create(index_name="absent", name="n", frequency="daily", retention_days=1)
    with pytest.raises(NotFoundError):
        pc.backup_schedules.list(index_name="absent")
    headers = api_key_headers(pc)
    url = f"{server.url}/indexes/guarded/backup-schedules"
    good = {
        "name": "raw",
        "schedule": {"type": "time-based", "frequency": "daily"},
        "retention": {"expire_after_days": 5},
    }
    bad: list[tuple[dict[str, Any], int]] = [
        ({**good, "schedule": {"type": "time-based", "frequency": "hourly"}}, 400),
        ({**good, "schedule": {"type": "cron", "frequency": "daily"}}, 400),
        ({**good, "retention": {"expire_after_days": 0}}, 400),
        ({**good, "retention": {"expire_after_days": 100_000}}, 400),
        ({**good, "retention": {"expire_after_days": 10**30}}, 422),
        ({**good, "name": "Not A Name"}, 400),
        ({"name": "raw", "schedule": {"type": "time-based", "frequency": "daily"}}, 422),
    ]
    for body, status in bad:
        response = httpx.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
    created = httpx.post(url, json=good, headers=headers)
    assert created.status_code == 200, created.text
    schedule_id = created.json()["schedule_id"]
    patched = httpx.patch(
        f"{server.url}/backup-schedules/{schedule_id}", json={"frequency": "yearly"}, headers=headers
    )
    assert patched.status_code == 400

    viewer = key_for(project.id, roles=["ControlPlaneViewer"])
    assert viewer.backup_schedules.describe(schedule_id=schedule_id).name == "raw"
    with pytest.raises(ForbiddenError):
        viewer.backup_schedules.update(schedule_id=schedule_id, enabled=False)
    with pytest.raises(ForbiddenError):
        viewer.backup_schedules.delete(schedule_id=schedule_id)
    other = key_for(admin.projects.create(name=f"other-{schedule_id[:8]}").id)
    with pytest.raises(NotFoundError):
        other.backup_schedules.describe(schedule_id=schedule_id)
    with pytest.raises(NotFoundError):
        other.backup_schedules.history(schedule_id=schedule_id)

    owner = bearer(server)
    admin.projects.update(project_id=project.id, max_pods=1)
    pod = httpx.post(
        f"{server.url}/_local/pod-indexes",
        json={"project_id": project.id, "name": "pods", "dimension": 8},
        headers=owner,
    )
    assert pod.status_code == 201, pod.text
    with pytest.raises(ApiError) as refused:
        pc.backup_schedules.create(index_name="pods", name="p", frequency="daily", retention_days=1)
    assert refused.value.status_code == 400
    pc.indexes.delete("guarded")  # a deleted index takes its schedules with it
    with pytest.raises(NotFoundError):
        pc.backup_schedules.describe(schedule_id=schedule_id)


def test_schedule_pagination(pc: Pinecone, moved_clock: Callable[[float], None]) -> None:
    pc.indexes.create(name="paged", schema=DENSE)
    first = pc.backup_schedules.create(index_name="paged", name="one", frequency="daily", retention_days=10)
    pc.backup_schedules.update(schedule_id=first.schedule_id, enabled=False)
    pc.backup_schedules.create(index_name="paged", name="two", frequency="daily", retention_days=10)
    page = pc.backup_schedules.list(index_name="paged", limit=1)
    assert [s.name for s in page] == ["one"] and page.pagination is not None
    assert page.pagination.next
    rest = pc.backup_schedules.list(index_name="paged", limit=1, pagination_token=page.pagination.next)
    assert [s.name for s in rest] == ["two"] and rest.pagination is None
    names = [s.name for s in pc.backup_schedules.iter_schedules(index_name="paged")]
    assert names == ["one", "two"]
    second = next(s for s in pc.backup_schedules.list(index_name="paged") if s.name == "two")
    moved_clock(3.5 * DAY)
    statuses: list[str] = []
    token: str | None = None
    while True:
        history = pc.backup_schedules.history(schedule_id=second.schedule_id, limit=2, pagination_token=token)
        statuses += [run.status for run in history]
        if history.pagination is None:
            break
        token = history.pagination.next
    assert statuses == ["Ready", "Ready", "Ready", "Scheduled"]
    assert [
        run.status for run in pc.backup_schedules.iter_history(schedule_id=second.schedule_id)
    ] == statuses
