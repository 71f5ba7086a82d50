"""Contract: backups, restore jobs and collections through the SDK's control-plane client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import api_key_headers, bearer
from pinecone import Admin, Pinecone
from pinecone.errors import ApiError, ConflictError, FailedPreconditionError, NotFoundError

from declarate.local.serve import ServerHandle


def test_backup_lifecycle_and_restore(server: ServerHandle, admin: Admin, project: Any, pc: Pinecone) -> None:
    source = pc.indexes.create(
        name="source",
        schema={
            "fields": {
                "e": {"type": "dense_vector", "dimension": 32, "metric": "dotproduct"},
                "body": {"type": "string", "full_text_search": {"language": "en"}},
            }
        },
        tags={"team": "a"},
    )
    backup = pc.backups.create(index_name="source", name="nightly", description="before migration")
    assert backup.status in ("Initializing", "Ready")
    assert (backup.source_index_name, backup.cloud, backup.region) == ("source", "aws", "us-east-1")
    assert backup.schema.fields["e"].dimension == 32
    described = pc.backups.describe(backup_id=backup.backup_id)
    assert described.status == "Ready" and described.name == "nightly"
    assert [b.backup_id for b in pc.backups.list()] == [backup.backup_id]
    assert [b.backup_id for b in pc.backups.list(index_name="source")] == [backup.backup_id]
    restored = pc.create_index_from_backup(
        name="restored", backup_id=backup.backup_id, tags={"from": "backup"}
    )
    assert restored.source_backup_id == backup.backup_id
    assert restored.schema.to_dict() == source.schema.to_dict()
    assert restored.tags == {"from": "backup"}
    jobs = pc.restore_jobs.list()
    assert [job.target_index_name for job in jobs] == ["restored"]
    job = pc.restore_jobs.describe(job_id=next(iter(jobs)).restore_job_id)
    assert job.status == "Completed" and job.percent_complete == 100
    with pytest.raises(ConflictError):
        pc.create_index_from_backup(name="restored", backup_id=backup.backup_id)
    pc.indexes.delete("source")
    with pytest.raises(NotFoundError):
        pc.backups.list(index_name="source")
    with_deleted = pc.backups.list(index_name="source", include_deleted=True)
    assert [b.source_index_deleted_at is not None for b in with_deleted] == [True]
    with pytest.raises(FailedPreconditionError):
        admin.projects.delete(project_id=project.id)  # the backup keeps the project alive
    pc.backups.delete(backup_id=backup.backup_id)
    with pytest.raises(NotFoundError):
        pc.backups.describe(backup_id=backup.backup_id)
    pc.indexes.delete("restored")
    admin.projects.delete(project_id=project.id)


def test_backup_pagination_and_status_codes(server: ServerHandle, pc: Pinecone) -> None:
    pc.indexes.create(name="many", dimension=4)
    headers = api_key_headers(pc)
    created = httpx.post(server.url + "/indexes/many/backups", json={}, headers=headers)
    assert created.status_code == 200
    for _ in range(2):
        pc.backups.create(index_name="many")
    first = pc.backups.list(limit=2)
    assert len(first) == 2 and first.pagination is not None and first.pagination.next
    second = pc.backups.list(pagination_token=first.pagination.next)
    assert len(second) == 1 and second.pagination is None
    paged_ids = [b.backup_id for b in first] + [b.backup_id for b in second]
    assert paged_ids == [b.backup_id for b in pc.backups.list()]
    bad_name = httpx.post(server.url + "/indexes/many/backups", json={"name": "Bad_Name"}, headers=headers)
    assert bad_name.status_code == 400
    assert httpx.post(server.url + "/indexes/none/backups", json={}, headers=headers).status_code == 400
    assert (
        httpx.get(server.url + "/backups", params={"paginationToken": "x"}, headers=headers).status_code
        == 400
    )
    restore = httpx.post(
        f"{server.url}/backups/{created.json()['backup_id']}/create-index",
        json={"name": "from-raw"},
        headers=headers,
    )
    assert restore.status_code == 202
    assert set(restore.json()) == {"restore_job_id", "index_id"}
    for backup in pc.backups.list():
        assert httpx.delete(f"{server.url}/backups/{backup.backup_id}", headers=headers).status_code == 202


def test_collections_of_a_pod_index(server: ServerHandle, admin: Admin, project: Any, pc: Pinecone) -> None:
    admin.projects.update(project_id=project.id, max_pods=1)
    seeded = httpx.post(
        server.url + "/_local/pod-indexes",
        headers=bearer(server),
        json={"project_id": project.id, "name": "pods", "dimension": 12},
    )
    assert seeded.status_code == 201
    collection = pc.collections.create(name="snapshot", source="pods")
    assert (collection.name, collection.environment) == ("snapshot", "us-east-1-aws")
    assert pc.collections.describe("snapshot").dimension == 12
    assert [c.name for c in pc.collections.list()] == ["snapshot"]
    with pytest.raises(ConflictError):
        pc.collections.create(name="snapshot", source="pods")
    with pytest.raises(NotFoundError):
        pc.collections.create(name="other", source="nope")
    pc.indexes.create(name="serverless", dimension=4)
    with pytest.raises(ApiError) as caught:
        pc.collections.create(name="other", source="serverless")
    assert caught.value.status_code == 400
    with pytest.raises(FailedPreconditionError):
        admin.projects.delete(project_id=project.id)
    pc.collections.delete("snapshot")
    with pytest.raises(NotFoundError):
        pc.collections.describe("snapshot")
    assert httpx.delete(server.url + "/collections/snapshot", headers=api_key_headers(pc)).status_code == 404
