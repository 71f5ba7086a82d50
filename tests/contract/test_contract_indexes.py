"""Contract: indexes through the SDK's control-plane client, error cases included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import api_key_headers, bearer
from pinecone import Admin, Pinecone
from pinecone.errors import ApiError, ConflictError, ForbiddenError, NotFoundError

from declarate.local.serve import ServerHandle

DENSE = {"fields": {"embedding": {"type": "dense_vector", "dimension": 1536, "metric": "cosine"}}}


def raw_create(server: ServerHandle, pc: Pinecone, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.url + "/indexes", json=body, headers=api_key_headers(pc))


def test_create_answers_201_initializing_with_host(server: ServerHandle, pc: Pinecone) -> None:
    response = raw_create(server, pc, {"name": "fresh", "schema": DENSE})
    assert response.status_code == 201
    body = response.json()
    assert body["host"]
    assert body["deployment"] == {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
    assert body["read_capacity"]["mode"] == "OnDemand"
    assert body["tags"] is None
    assert body["deletion_protection"] == "disabled"
    assert body["status"] == {"ready": False, "state": "Initializing"}
    described = pc.indexes.describe("fresh")
    assert described.status.ready and described.status.state == "Ready"


def test_create_forms_and_describe(pc: Pinecone) -> None:
    dense = pc.indexes.create(
        name="dense",
        schema=DENSE,
        deletion_protection="disabled",
        deployment={"deployment_type": "managed", "cloud": "gcp", "region": "us-central1"},
        tags={"team": "search"},
    )
    assert dense.schema.fields["embedding"].dimension == 1536
    assert (dense.deployment.cloud, dense.deployment.region) == ("gcp", "us-central1")
    assert dense.tags == {"team": "search"}
    sparse = pc.indexes.create(name="sparse", dimension=None, vector_type="sparse", metric="dotproduct")
    assert set(sparse.schema.fields) == {"_sparse_values"}
    classic = pc.indexes.create(
        name="classic",
        dimension=8,
        metric="euclidean",
        spec={"serverless": {"cloud": "aws", "region": "eu-west-1"}},
    )
    assert set(classic.schema.fields) == {
        "_values",
        "_sparse_values",
    }  # dense vectors-API indexes report both
    assert classic.dimension == 8 and classic.metric == "euclidean"
    fts = pc.indexes.create(
        name="fts",
        schema={
            "fields": {
                "body": {
                    "type": "string",
                    "full_text_search": {"language": "en", "stemming": True, "stop_words": True},
                },
                "title": {"type": "string", "full_text_search": {}},
            }
        },
    )
    assert fts.schema.fields["title"].full_text_search.stemming is False
    names = {index.name for index in pc.indexes.list()}
    assert {"dense", "sparse", "classic", "fts"} <= names
    assert pc.indexes.exists("dense") and not pc.indexes.exists("nope")


def test_dedicated_read_capacity_and_scaling(pc: Pinecone) -> None:
    created = pc.indexes.create(
        name="drn",
        schema=DENSE,
        read_capacity={
            "mode": "Dedicated",
            "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
        },
    )
    assert created.read_capacity.dedicated.manual.replicas == 1
    scaled = pc.indexes.configure(
        "drn",
        read_capacity={"mode": "Dedicated", "dedicated": {"scaling": "Manual", "manual": {"replicas": 3}}},
    )
    assert (scaled.read_capacity.dedicated.manual.replicas, scaled.read_capacity.dedicated.manual.shards) == (
        3,
        1,
    )
    back = pc.indexes.configure("drn", read_capacity={"mode": "OnDemand"})
    assert back.read_capacity.status.state in ("Ready", "Scaling")


def test_create_for_model_surfaces_a_semantic_text_field(pc: Pinecone) -> None:
    index = pc.indexes.create_for_model(
        name="integrated",
        cloud="aws",
        region="us-east-1",
        embed={
            "model": "llama-text-embed-v2",
            "field_map": {"text": "chunk_text"},
            "dimension": 768,
            "write_parameters": {"input_type": "passage"},
        },
        schema={"fields": {"genre": {"filterable": True}}},
    )
    field = index.schema.fields["chunk_text"]
    assert (field.model, field.metric, field.write_parameters) == (
        "llama-text-embed-v2",
        "cosine",
        {"input_type": "passage"},
    )
    assert index.schema.fields["genre"].filterable is True
    sparse = pc.indexes.create_for_model(
        name="sparse-model",
        cloud="aws",
        region="us-east-1",
        embed={"model": "pinecone-sparse-english-v0", "field_map": {"text": "body"}},
    )
    assert sparse.schema.fields["body"].metric == "dotproduct"
    updated = pc.indexes.configure(
        "integrated",
        schema={
            "fields": {"chunk_text": {"type": "semantic_text", "read_parameters": {"input_type": "query"}}}
        },
    )
    assert updated.schema.fields["chunk_text"].read_parameters == {"input_type": "query"}
    assert updated.schema.fields["chunk_text"].write_parameters == {"input_type": "passage"}
    with pytest.raises(ApiError) as caught:
        pc.indexes.configure(
            "integrated",
            schema={"fields": {"chunk_text": {"type": "semantic_text", "model": "multilingual-e5-large"}}},
        )
    assert caught.value.status_code == 400


def test_create_for_model_errors(server: ServerHandle, pc: Pinecone) -> None:
    base = {"name": "m", "cloud": "aws", "region": "us-east-1"}
    cases = [
        ({"embed": {"model": "nope", "field_map": {"text": "t"}}}, 400),
        ({"embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}, "dimension": 12}}, 400),
        (
            {
                "embed": {
                    "model": "pinecone-sparse-english-v0",
                    "field_map": {"text": "t"},
                    "metric": "cosine",
                }
            },
            400,
        ),
        ({"embed": {"model": "multilingual-e5-large", "field_map": {}}}, 400),
        ({"region": "mars-1", "embed": {"model": "multilingual-e5-large", "field_map": {"text": "t"}}}, 404),
        ({"embed": {"model": "multilingual-e5-large"}}, 422),
    ]
    for change, status in cases:
        response = httpx.post(
            server.url + "/indexes/create-for-model", json={**base, **change}, headers=api_key_headers(pc)
        )
        assert response.status_code == status, (change, response.text)


def test_duplicate_name_is_409(pc: Pinecone) -> None:
    pc.indexes.create(name="twice", dimension=4)
    with pytest.raises(ConflictError) as caught:
        pc.indexes.create(name="twice", dimension=4)
    assert caught.value.body["error"]["code"] == "ALREADY_EXISTS"


def test_configure_merges_tags_and_answers_200(server: ServerHandle, pc: Pinecone) -> None:
    pc.indexes.create(name="tagged", dimension=4, tags={"team": "a", "env": "dev"})
    response = httpx.patch(
        server.url + "/indexes/tagged",
        json={"tags": {"env": "prod", "cost": "x"}},
        headers=api_key_headers(pc),
    )
    assert response.status_code == 200
    assert response.json()["tags"] == {"team": "a", "env": "prod", "cost": "x"}
    merged = pc.indexes.configure("tagged", tags={"team": "", "cost": ""})
    assert merged.tags == {"env": "prod"}
    cleared = pc.indexes.configure("tagged", tags={"env": ""})
    assert cleared.tags is None
    assert httpx.get(server.url + "/indexes/tagged", headers=api_key_headers(pc)).json()["tags"] is None


def test_deletion_protection_blocks_delete_with_403(server: ServerHandle, pc: Pinecone) -> None:
    pc.indexes.create(name="protected", dimension=4, deletion_protection="enabled")
    with pytest.raises(ForbiddenError) as caught:
        pc.indexes.delete("protected")
    assert caught.value.body["error"]["code"] == "FORBIDDEN"
    pc.indexes.configure("protected", deletion_protection="disabled")
    response = httpx.delete(server.url + "/indexes/protected", headers=api_key_headers(pc))
    assert response.status_code == 202
    assert response.content == b""
    with pytest.raises(NotFoundError):
        pc.indexes.describe("protected")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "-bad", "schema": DENSE}, 400),
        ({"name": "Bad", "schema": DENSE}, 400),
        ({"name": "x" * 46, "schema": DENSE}, 400),
        (
            {
                "name": "d",
                "schema": {"fields": {"v": {"type": "dense_vector", "dimension": 0, "metric": "cosine"}}},
            },
            400,
        ),
        (
            {
                "name": "d",
                "schema": {"fields": {"v": {"type": "dense_vector", "dimension": 20001, "metric": "cosine"}}},
            },
            400,
        ),
        (
            {
                "name": "d",
                "schema": {"fields": {"v": {"type": "dense_vector", "dimension": 4, "metric": "hamming"}}},
            },
            400,
        ),
        ({"name": "d", "schema": {"fields": {}}}, 400),
        ({"name": "d", "schema": {"fields": {"genre": {"type": "string"}}}}, 400),
        (
            {
                "name": "d",
                "schema": {
                    "fields": {
                        "_values": {"type": "dense_vector", "dimension": 4, "metric": "cosine"},
                        "other": {"type": "sparse_vector"},
                    }
                },
            },
            400,
        ),
        ({"name": "d", "schema": {"fields": {"s": {"type": "sparse_vector", "dimension": 4}}}}, 400),
        ({"name": "d", "schema": DENSE, "tags": {"bad key!": "x"}}, 400),
        ({"name": "d", "schema": DENSE, "tags": {f"k{i}": "v" for i in range(21)}}, 400),
        ({"name": "d", "schema": DENSE, "tags": {"k": "v" * 121}}, 400),
        ({"name": "d", "schema": DENSE, "deletion_protection": "sometimes"}, 400),
        (
            {
                "name": "d",
                "schema": DENSE,
                "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-west1"},
            },
            404,
        ),
        (
            {
                "name": "d",
                "schema": DENSE,
                "deployment": {"deployment_type": "managed", "cloud": "ibm", "region": "us-east-1"},
            },
            404,
        ),
        (
            {
                "name": "d",
                "schema": DENSE,
                "deployment": {"deployment_type": "pod", "environment": "us-east-1-aws", "pod_type": "p1.x1"},
            },
            422,
        ),
        ({"name": "d", "schema": DENSE, "dimension": 4}, 422),
        (
            {
                "name": "d",
                "schema": {"fields": {"v": {"type": "dense_vector", "dimension": "4", "metric": "cosine"}}},
            },
            422,
        ),
        ({"name": "d", "schema": {"fields": {"v": {"type": "dense_vector", "dimension": 4}}}}, 422),
        ({"name": "d"}, 422),
        ({"name": "d", "schema": DENSE, "tags": {"k": 1}}, 422),
    ],
)
def test_create_validation(server: ServerHandle, pc: Pinecone, body: dict[str, Any], status: int) -> None:
    response = raw_create(server, pc, body)
    assert response.status_code == status, response.text
    expected = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 422: "UNPROCESSABLE_ENTITY"}[status]
    assert response.json()["error"]["code"] == expected


def test_malformed_json_is_422(server: ServerHandle, pc: Pinecone) -> None:
    response = httpx.post(server.url + "/indexes", content=b"{not json", headers=api_key_headers(pc))
    assert response.status_code == 422


def test_configure_rejects_unknown_keys_and_missing_indexes(server: ServerHandle, pc: Pinecone) -> None:
    pc.indexes.create(name="cfg", dimension=4)
    headers = api_key_headers(pc)
    assert httpx.patch(server.url + "/indexes/cfg", json={"dimension": 8}, headers=headers).status_code == 422
    assert (
        httpx.patch(
            server.url + "/indexes/cfg", json={"deployment": {"replicas": 2}}, headers=headers
        ).status_code
        == 400
    )
    assert (
        httpx.patch(server.url + "/indexes/nope", json={"tags": {"a": "b"}}, headers=headers).status_code
        == 404
    )
    with pytest.raises(NotFoundError):
        pc.indexes.describe("nope")


def test_pod_index_is_readable_and_scalable(
    server: ServerHandle, admin: Admin, project: Any, pc: Pinecone
) -> None:
    admin.projects.update(project_id=project.id, max_pods=4)
    seeded = httpx.post(
        server.url + "/_local/pod-indexes",
        headers=bearer(server),
        json={
            "project_id": project.id,
            "name": "legacy",
            "dimension": 16,
            "metric": "dotproduct",
            "pod_type": "p1.x1",
            "metadata_config": {"indexed": ["genre"]},
        },
    )
    assert seeded.status_code == 201, seeded.text
    index = pc.indexes.describe("legacy")
    assert (index.deployment.pod_type, index.deployment.replicas, index.deployment.shards) == ("p1.x1", 1, 1)
    assert index.schema.fields["genre"].filterable is True
    assert index.spec.pod.environment == "us-east-1-aws"
    scaled = pc.indexes.configure("legacy", replicas=2, pod_type="p1.x2")
    assert (scaled.deployment.replicas, scaled.deployment.pod_type) == (2, "p1.x2")
    with pytest.raises(ApiError) as caught:
        pc.indexes.configure("legacy", pod_type="p1.x1")
    assert caught.value.status_code == 400  # pod size only grows
    with pytest.raises(ForbiddenError):
        pc.indexes.configure("legacy", replicas=5)  # beyond max_pods
    with pytest.raises(ApiError) as caught:
        pc.indexes.configure("legacy", read_capacity={"mode": "OnDemand"})
    assert caught.value.status_code == 400
    pc.indexes.delete("legacy")


def test_legacy_top_level_methods(server: ServerHandle, admin: Admin, project: Any, pc: Pinecone) -> None:
    from pinecone import ServerlessSpec

    created = pc.create_index(
        "legacy-surface",
        spec=ServerlessSpec(cloud="aws", region="us-west-2"),
        dimension=12,
        metric="dotproduct",
        deletion_protection="enabled",
        tags={"owner": "sdk"},
    )
    assert (created.dimension, created.metric, created.spec.serverless.region) == (
        12,
        "dotproduct",
        "us-west-2",
    )
    assert pc.has_index("legacy-surface")
    assert [i.name for i in pc.list_indexes()] == ["legacy-surface"]
    assert pc.describe_index("legacy-surface").tags == {"owner": "sdk"}
    configured = pc.configure_index("legacy-surface", deletion_protection="disabled", tags={"owner": ""})
    assert (configured.deletion_protection, configured.tags) == ("disabled", None)
    backup = pc.create_backup(index_name="legacy-surface", backup_name="legacy", description="d")
    assert pc.describe_backup(backup_id=backup.backup_id).description == "d"
    assert len(pc.list_backups(index_name="legacy-surface")) == 1
    restored = pc.create_index_from_backup(name="legacy-copy", backup_id=backup.backup_id)
    assert restored.status.ready
    job = next(iter(pc.list_restore_jobs()))
    assert pc.describe_restore_job(job_id=job.restore_job_id).target_index_name == "legacy-copy"
    pc.delete_backup(backup_id=backup.backup_id)
    admin.projects.update(project_id=project.id, max_pods=1)
    httpx.post(
        server.url + "/_local/pod-indexes",
        headers=bearer(server),
        json={"project_id": project.id, "name": "legacy-pods", "dimension": 12},
    )
    assert pc.create_collection("legacy-coll", "legacy-pods").name == "legacy-coll"
    assert [c.name for c in pc.list_collections()] == ["legacy-coll"]
    assert pc.describe_collection("legacy-coll").status == "Ready"
    pc.delete_collection("legacy-coll")
    for name in ("legacy-surface", "legacy-copy", "legacy-pods"):
        pc.delete_index(name)
    assert not pc.has_index("legacy-surface")
