"""Contract: service accounts, users and invites through the SDK's admin client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import bearer, unique
from pinecone import Admin
from pinecone.errors import ApiError, ConflictError, NotFoundError

from declarate.local.serve import ServerHandle


def add_user(
    server: ServerHandle, email: str, name: str | None = "Test User", role: str | None = None
) -> Any:
    body: dict[str, Any] = {"email": email}
    if name:
        body["name"] = name
    if role:
        body["role"] = role
    response = httpx.post(server.url + "/_local/users", json=body, headers=bearer(server))
    assert response.status_code == 201, response.text
    return response.json()


def test_service_account_lifecycle(server: ServerHandle, admin: Admin) -> None:
    created = admin.service_accounts.create(name=unique("robot"))
    assert created.client_secret
    account = created.service_account
    assert admin.service_accounts.describe(service_account_id=account.id) == account
    assert account.id in [a.id for a in admin.service_accounts.list()]
    renamed = admin.service_accounts.update(service_account_id=account.id, name="renamed")
    assert renamed.name == "renamed"
    raw = httpx.get(f"{server.url}/admin/service-accounts/{account.id}", headers=bearer(server)).json()
    assert "client_secret" not in raw
    robot = Admin(
        client_id=account.client_id,
        client_secret=created.client_secret,
        host=server.url,
        oauth_url=server.oauth_url,
    )
    assert robot.service_accounts.describe(service_account_id=account.id).id == account.id
    robot_headers = bearer(server, account.client_id, created.client_secret)
    admin.service_accounts.delete(service_account_id=account.id)
    revoked = httpx.get(f"{server.url}/admin/organizations", headers=robot_headers)
    assert revoked.status_code == 401  # its tokens went with it
    with pytest.raises(ApiError) as refused:
        robot.organizations.list()
    assert refused.value.status_code == 401
    with pytest.raises(NotFoundError):
        admin.service_accounts.describe(service_account_id=account.id)
    with pytest.raises(ApiError) as caught:
        Admin(
            client_id=account.client_id,
            client_secret=created.client_secret,
            host=server.url,
            oauth_url=server.oauth_url,
        )
    assert caught.value.status_code == 401


def test_create_service_account_answers_201(server: ServerHandle) -> None:
    response = httpx.post(
        server.url + "/admin/service-accounts", json={"name": "raw"}, headers=bearer(server)
    )
    assert response.status_code == 201
    assert set(response.json()) == {"service_account", "client_secret"}


def test_initial_role_bindings_and_deleting_the_account_removes_them(admin: Admin, project: Any) -> None:
    created = admin.service_accounts.create(
        name=unique("bound"),
        role_bindings=[
            {"resource_type": "organization", "role": "OrgMember"},
            {"resource_type": "project", "resource_id": project.id, "role": "ProjectEditor"},
        ],
    )
    account_id = created.service_account.id
    bindings = list(admin.role_bindings.list(principal_type="service_account", principal_id=account_id))
    assert sorted(b.role for b in bindings) == ["OrgMember", "ProjectEditor"]
    admin.service_accounts.delete(service_account_id=account_id)
    assert list(admin.role_bindings.list(principal_type="service_account", principal_id=account_id)) == []


def test_rotate_secret_revokes_old_secret_and_tokens(server: ServerHandle, admin: Admin) -> None:
    created = admin.service_accounts.create(
        name=unique("rotating"), role_bindings=[{"resource_type": "organization", "role": "OrgMember"}]
    )
    account = created.service_account
    old_headers = bearer(server, account.client_id, created.client_secret)
    assert httpx.get(server.url + "/admin/organizations", headers=old_headers).status_code == 200
    rotated = admin.service_accounts.rotate_secret(service_account_id=account.id)
    assert rotated.client_secret != created.client_secret
    assert httpx.get(server.url + "/admin/organizations", headers=old_headers).status_code == 401
    with pytest.raises(httpx.HTTPStatusError):
        bearer(server, account.client_id, created.client_secret)
    assert bearer(server, account.client_id, rotated.client_secret)


def test_service_account_pagination(admin: Admin) -> None:
    for _ in range(3):
        admin.service_accounts.create(name=unique("paged"))
    everyone = [a.id for a in admin.service_accounts.list()]
    paged = [a.id for a in admin.service_accounts.list(limit=2)]
    assert paged == everyone
    first_page = next(admin.service_accounts.list(limit=2).pages())
    assert len(first_page.items) == 2 and first_page.has_more


def test_users_list_with_case_insensitive_email_filter(server: ServerHandle, admin: Admin) -> None:
    email = f"{unique('alice')}@example.com"
    user = add_user(server, email, name="Alice")
    found = list(admin.users.list(email=email.upper()))
    assert [u.id for u in found] == [user["id"]]
    assert found[0].name == "Alice"
    assert list(admin.users.list(email="nobody@example.com")) == []
    assert admin.users.describe(user_id=user["id"]).email == email
    response = httpx.get(
        server.url + "/admin/users", params={"email": "not-an-email"}, headers=bearer(server)
    )
    assert response.status_code == 400
    response = httpx.get(server.url + "/admin/users", params={"limit": 0}, headers=bearer(server))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "OUT_OF_RANGE"


def test_user_delete_revokes_bindings(server: ServerHandle, admin: Admin, project: Any) -> None:
    user = add_user(server, f"{unique('bob')}@example.com", name=None)
    assert admin.users.describe(user_id=user["id"]).name is None
    admin.role_bindings.create(
        principal_type="user",
        principal_id=user["id"],
        resource_type="project",
        resource_id=project.id,
        role="ProjectViewer",
    )
    admin.users.delete(user_id=user["id"])
    with pytest.raises(NotFoundError):
        admin.users.describe(user_id=user["id"])
    assert list(admin.role_bindings.list(principal_type="user", principal_id=user["id"])) == []


def test_invite_lifecycle(server: ServerHandle, admin: Admin, project: Any) -> None:
    email = f"{unique('newhire')}@example.com"
    invite = admin.invites.create(
        email=email,
        role_bindings=[
            {"resource_type": "organization", "role": "OrgMember"},
            {"resource_type": "project", "resource_id": project.id, "role": "ProjectMember"},
        ],
    )
    assert invite.status == "pending" and invite.expires_at
    assert admin.invites.describe(invite_id=invite.id).email == email
    assert invite.id in [i.id for i in admin.invites.list()]
    bindings = list(admin.role_bindings.list(principal_type="invite", principal_id=invite.id))
    assert sorted(b.role for b in bindings) == ["OrgMember", "ProjectMember"]
    with pytest.raises(ConflictError):
        admin.invites.create(
            email=email, role_bindings=[{"resource_type": "organization", "role": "OrgMember"}]
        )
    resent = admin.invites.resend(invite_id=invite.id)
    assert resent.status == "pending" and resent.expires_at >= invite.expires_at
    admin.invites.delete(invite_id=invite.id)
    with pytest.raises(NotFoundError):
        admin.invites.describe(invite_id=invite.id)
    assert list(admin.role_bindings.list(principal_type="invite", principal_id=invite.id)) == []


def test_accepting_an_invite_moves_its_bindings_to_the_user(
    server: ServerHandle, admin: Admin, project: Any
) -> None:
    email = f"{unique('joiner')}@example.com"
    invite = admin.invites.create(
        email=email,
        role_bindings=[
            {"resource_type": "organization", "role": "OrgMember"},
            {"resource_type": "project", "resource_id": project.id, "role": "ProjectViewer"},
        ],
    )
    response = httpx.post(f"{server.url}/_local/invites/{invite.id}/accept", headers=bearer(server))
    assert response.status_code == 200
    user = response.json()
    assert admin.invites.describe(invite_id=invite.id).status == "processed"
    assert invite.id not in [i.id for i in admin.invites.list()]
    roles = sorted(b.role for b in admin.role_bindings.list(principal_type="user", principal_id=user["id"]))
    assert roles == ["OrgMember", "ProjectViewer"]
    with pytest.raises(ConflictError):
        admin.invites.resend(invite_id=invite.id)
    with pytest.raises(ConflictError):
        admin.invites.create(
            email=email, role_bindings=[{"resource_type": "organization", "role": "OrgMember"}]
        )
    with pytest.raises(ConflictError):
        admin.role_bindings.create(
            principal_type="invite", principal_id=invite.id, resource_type="organization", role="OrgManager"
        )


def test_invite_needs_an_organization_membership(server: ServerHandle, project: Any) -> None:
    response = httpx.post(
        server.url + "/admin/invites",
        headers=bearer(server),
        json={
            "email": "x@example.com",
            "role_bindings": [
                {"resource_type": "project", "resource_id": project.id, "role": "ProjectViewer"}
            ],
        },
    )
    assert response.status_code == 400
    response = httpx.post(
        server.url + "/admin/invites",
        headers=bearer(server),
        json={
            "email": "not an email",
            "role_bindings": [{"resource_type": "organization", "role": "OrgMember"}],
        },
    )
    assert response.status_code == 400


def test_local_hooks_need_the_bootstrap_owner(server: ServerHandle, admin: Admin) -> None:
    created = admin.service_accounts.create(
        name=unique("owner2"), role_bindings=[{"resource_type": "organization", "role": "OrgOwner"}]
    )
    other = bearer(server, created.service_account.client_id, created.client_secret)
    response = httpx.post(server.url + "/_local/users", json={"email": "z@example.com"}, headers=other)
    assert response.status_code == 403
    assert httpx.post(server.url + "/_local/users", json={"email": "z@example.com"}).status_code == 401
