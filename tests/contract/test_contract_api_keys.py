"""Contract: a project's API keys through the SDK's admin client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import bearer
from pinecone import Admin, Pinecone
from pinecone.errors import NotFoundError, UnauthorizedError, ValidationError

from declarate.local.serve import ServerHandle


def test_create_returns_the_secret_once_with_default_roles(
    server: ServerHandle, admin: Admin, project: Any
) -> None:
    created = admin.api_keys.create(project_id=project.id, name="ci")
    assert created.value.startswith("pckey_")
    assert [role.value for role in created.key.roles] == ["ProjectEditor"]
    described = admin.api_keys.describe(api_key_id=created.key.id)
    assert described == created.key
    raw = httpx.get(f"{server.url}/admin/api-keys/{created.key.id}", headers=bearer(server)).json()
    assert "value" not in raw
    assert created.value not in str(raw)


def test_create_answers_201(server: ServerHandle, project: Any) -> None:
    response = httpx.post(
        f"{server.url}/admin/projects/{project.id}/api-keys", json={"name": "raw"}, headers=bearer(server)
    )
    assert response.status_code == 201
    assert set(response.json()) == {"key", "value"}


def test_list_and_patch_roles_replaces_the_set(admin: Admin, project: Any) -> None:
    created = admin.api_keys.create(
        project_id=project.id, name="k", roles=["ProjectViewer", "DataPlaneEditor"]
    )
    assert {r.value for r in created.key.roles} == {"ProjectViewer", "DataPlaneEditor"}
    updated = admin.api_keys.update(api_key_id=created.key.id, roles=["ControlPlaneEditor"], name="k2")
    assert [r.value for r in updated.roles] == ["ControlPlaneEditor"]
    assert updated.name == "k2"
    listed = admin.api_keys.list(project_id=project.id)
    assert [k.id for k in listed] == [created.key.id]
    assert [r.value for r in listed[0].roles] == ["ControlPlaneEditor"]


def test_a_role_keys_cannot_hold_is_400(server: ServerHandle, admin: Admin, project: Any) -> None:
    for roles in (["OrgOwner"], ["ProjectOwner"], [], ["NoSuchRole"]):
        response = httpx.post(
            f"{server.url}/admin/projects/{project.id}/api-keys",
            json={"name": "k", "roles": roles},
            headers=bearer(server),
        )
        assert response.status_code == 400, roles
    with pytest.raises(ValidationError):  # the SDK refuses unknown roles before sending
        admin.api_keys.create(project_id=project.id, name="k", roles=["NoSuchRole"])


def test_delete_revokes_the_key(server: ServerHandle, admin: Admin, project: Any) -> None:
    created = admin.api_keys.create(project_id=project.id, name="gone")
    client = Pinecone(api_key=created.value, host=server.url)
    assert list(client.indexes.list()) == []
    admin.api_keys.delete(api_key_id=created.key.id)
    with pytest.raises(NotFoundError):
        admin.api_keys.describe(api_key_id=created.key.id)
    with pytest.raises(UnauthorizedError):
        list(client.indexes.list())
    response = httpx.delete(f"{server.url}/admin/api-keys/{created.key.id}", headers=bearer(server))
    assert response.status_code == 404


def test_admin_delete_answers_202_with_no_body(server: ServerHandle, admin: Admin, project: Any) -> None:
    created = admin.api_keys.create(project_id=project.id, name="gone")
    response = httpx.delete(f"{server.url}/admin/api-keys/{created.key.id}", headers=bearer(server))
    assert response.status_code == 202
    assert response.content == b""
