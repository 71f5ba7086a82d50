"""Contract: OAuth token exchange, organizations and projects, as the official SDK drives them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import bearer, unique
from pinecone import Admin, Pinecone
from pinecone.errors import (
    ApiError,
    ConflictError,
    FailedPreconditionError,
    NotFoundError,
    UnauthorizedError,
)

from declarate.local.serve import ServerHandle

TOKEN_BODY = {"grant_type": "client_credentials", "audience": "https://api.pinecone.io/"}


def test_token_exchange_accepts_json_and_form(server: ServerHandle) -> None:
    credentials = {**TOKEN_BODY, "client_id": server.client_id, "client_secret": server.client_secret}
    as_json = httpx.post(server.oauth_url, json=credentials)
    as_form = httpx.post(server.oauth_url, data=credentials)
    for response in (as_json, as_form):
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert body["access_token"]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"client_id": "nobody"}, 401, "access_denied"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"audience": "https://example.com/"}, 403, "access_denied"),
        ({"client_secret": None}, 400, "invalid_request"),
    ],
)
def test_token_errors_use_the_oauth_error_shape(
    server: ServerHandle, change: dict[str, Any], status: int, error: str
) -> None:
    body = {**TOKEN_BODY, "client_id": server.client_id, "client_secret": server.client_secret, **change}
    response = httpx.post(server.oauth_url, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_admin_with_a_wrong_secret_fails_at_construction(server: ServerHandle) -> None:
    with pytest.raises(ApiError) as caught:
        Admin(client_id=server.client_id, client_secret="wrong", host=server.url, oauth_url=server.oauth_url)
    assert caught.value.status_code == 401


def test_admin_calls_without_a_valid_token_are_401(server: ServerHandle) -> None:
    response = httpx.get(server.url + "/admin/projects", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "error": {"code": "UNAUTHENTICATED", "message": "Invalid access token."},
    }


def test_organization_list_describe_update(admin: Admin) -> None:
    organizations = admin.organizations.list()
    assert len(organizations) == 1
    organization = organizations[0]
    described = admin.organizations.describe(organization_id=organization.id)
    assert described.name == organization.name
    assert described.plan and described.payment_status and described.support_tier
    renamed = admin.organizations.update(organization_id=organization.id, name="renamed-org")
    assert renamed.name == "renamed-org"
    admin.organizations.update(organization_id=organization.id, name=organization.name)
    with pytest.raises(NotFoundError):
        admin.organizations.describe(organization_id="not-an-org")


def test_project_create_defaults_and_describe(admin: Admin) -> None:
    name = unique("defaults")
    created = admin.projects.create(name=name)
    assert created.max_pods == 0
    assert created.force_encryption_with_cmek is False
    assert created.organization_id == admin.organizations.list()[0].id
    assert admin.projects.describe(project_id=created.id) == created
    assert created.id in [p.id for p in admin.projects.list()]
    assert admin.projects.describe_by_name(name=name).id == created.id


def test_duplicate_project_name_is_409(admin: Admin) -> None:
    name = unique("dup")
    admin.projects.create(name=name)
    with pytest.raises(ConflictError):
        admin.projects.create(name=name)


def test_project_update_and_cmek_cannot_be_turned_off(admin: Admin, project: Any) -> None:
    updated = admin.projects.update(project_id=project.id, max_pods=5, name=project.name + "-x")
    assert (updated.max_pods, updated.name) == (5, project.name + "-x")
    on = admin.projects.update(project_id=project.id, force_encryption_with_cmek=True)
    assert on.force_encryption_with_cmek is True
    with pytest.raises(ApiError) as caught:
        admin.projects.update(project_id=project.id, force_encryption_with_cmek=False)
    assert caught.value.status_code == 400
    assert admin.projects.describe(project_id=project.id).force_encryption_with_cmek is True


def test_unknown_project_is_404(admin: Admin) -> None:
    with pytest.raises(NotFoundError):
        admin.projects.describe(project_id="00000000-0000-4000-8000-000000000000")
    assert admin.projects.exists(project_id="00000000-0000-4000-8000-000000000000") is False


def test_project_delete_is_refused_while_it_holds_indexes(admin: Admin, project: Any, pc: Pinecone) -> None:
    pc.indexes.create(name="keeps-project", dimension=4)
    with pytest.raises(FailedPreconditionError) as caught:
        admin.projects.delete(project_id=project.id)
    assert caught.value.status_code == 412
    pc.indexes.delete("keeps-project")
    admin.projects.delete(project_id=project.id)
    with pytest.raises(NotFoundError):
        admin.projects.describe(project_id=project.id)


def test_project_delete_takes_its_api_keys_along(server: ServerHandle, admin: Admin, project: Any) -> None:
    key = admin.api_keys.create(project_id=project.id, name="doomed")
    admin.projects.delete(project_id=project.id)
    with pytest.raises(NotFoundError):
        admin.api_keys.describe(api_key_id=key.key.id)
    with pytest.raises(UnauthorizedError):
        list(Pinecone(api_key=key.value, host=server.url).indexes.list())


def test_admin_bodies_with_wrong_types_are_400(server: ServerHandle) -> None:
    headers = bearer(server)
    response = httpx.post(server.url + "/admin/projects", json={"name": 5}, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_ARGUMENT"
    response = httpx.post(server.url + "/admin/projects", json={"name": ""}, headers=headers)
    assert response.status_code == 400
