"""Contract: role bindings (immutable, filtered, paginated) and what they allow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from contract_support import bearer, unique
from pinecone import Admin, Pinecone
from pinecone.errors import ConflictError, ForbiddenError, NotFoundError, UnauthorizedError

from declarate.local.serve import ServerHandle


def robot(server: ServerHandle, admin: Admin, *bindings: dict[str, str]) -> tuple[Admin, str]:
    """An Admin client for a new service account with these role bindings, and the account's id."""
    created = admin.service_accounts.create(name=unique("robot"), role_bindings=list(bindings))
    client = Admin(
        client_id=created.service_account.client_id,
        client_secret=created.client_secret,
        host=server.url,
        oauth_url=server.oauth_url,
    )
    return client, created.service_account.id


def test_create_describe_delete(server: ServerHandle, admin: Admin, project: Any) -> None:
    account = admin.service_accounts.create(name=unique("sa")).service_account
    binding = admin.role_bindings.create(
        principal_type="service_account",
        principal_id=account.id,
        resource_type="project",
        resource_id=project.id,
        role="ProjectViewer",
    )
    assert (binding.resource_id, binding.role) == (project.id, "ProjectViewer")
    assert admin.role_bindings.describe(role_binding_id=binding.id) == binding
    with pytest.raises(ConflictError):
        admin.role_bindings.create(
            principal_type="service_account",
            principal_id=account.id,
            resource_type="project",
            resource_id=project.id,
            role="ProjectViewer",
        )
    patch = httpx.patch(
        f"{server.url}/admin/role-bindings/{binding.id}",
        json={"role": "ProjectEditor"},
        headers=bearer(server),
    )
    assert patch.status_code == 405  # immutable: no update operation
    admin.role_bindings.delete(role_binding_id=binding.id)
    with pytest.raises(NotFoundError):
        admin.role_bindings.describe(role_binding_id=binding.id)


def test_create_answers_200_and_org_scope_gets_the_org_id(server: ServerHandle, admin: Admin) -> None:
    account = admin.service_accounts.create(name=unique("sa")).service_account
    response = httpx.post(
        server.url + "/admin/role-bindings",
        headers=bearer(server),
        json={
            "principal_type": "service_account",
            "principal_id": account.id,
            "resource_type": "organization",
            "role": "OrgMember",
        },
    )
    assert response.status_code == 200
    assert response.json()["resource_id"] == admin.organizations.list()[0].id


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"resource_type": "project", "role": "OrgMember"}, 400),
        ({"resource_type": "organization", "role": "ProjectEditor"}, 400),
        ({"resource_type": "project", "role": "ProjectViewer"}, 400),
        ({"resource_type": "organization", "role": "NotARole"}, 400),
        (
            {
                "resource_type": "project",
                "role": "ProjectViewer",
                "resource_id": "00000000-0000-4000-8000-000000000000",
            },
            404,
        ),
    ],
)
def test_invalid_bindings(server: ServerHandle, admin: Admin, body: dict[str, str], status: int) -> None:
    account = admin.service_accounts.create(name=unique("sa")).service_account
    response = httpx.post(
        server.url + "/admin/role-bindings",
        headers=bearer(server),
        json={"principal_type": "service_account", "principal_id": account.id, **body},
    )
    assert response.status_code == status, response.text


def test_unknown_principal_is_404(server: ServerHandle) -> None:
    response = httpx.post(
        server.url + "/admin/role-bindings",
        headers=bearer(server),
        json={
            "principal_type": "user",
            "principal_id": "00000000-0000-4000-8000-000000000000",
            "resource_type": "organization",
            "role": "OrgMember",
        },
    )
    assert response.status_code == 404


def test_every_filter_and_pagination(server: ServerHandle, admin: Admin, project: Any) -> None:
    accounts = [admin.service_accounts.create(name=unique("f")).service_account for _ in range(3)]
    for account in accounts:
        for role in ("ProjectViewer", "ControlPlaneViewer"):
            admin.role_bindings.create(
                principal_type="service_account",
                principal_id=account.id,
                resource_type="project",
                resource_id=project.id,
                role=role,
            )
    on_project = list(admin.role_bindings.list(resource_type="project", resource_id=project.id))
    assert len(on_project) == 6
    viewers = list(
        admin.role_bindings.list(resource_type="project", resource_id=project.id, role="ProjectViewer")
    )
    assert {b.principal_id for b in viewers} == {a.id for a in accounts}
    mine = list(
        admin.role_bindings.list(
            principal_type="service_account",
            principal_id=accounts[0].id,
            resource_type="project",
            resource_id=project.id,
        )
    )
    assert sorted(b.role for b in mine) == ["ControlPlaneViewer", "ProjectViewer"]
    paged = list(admin.role_bindings.list(resource_type="project", resource_id=project.id, limit=4))
    assert [b.id for b in paged] == [b.id for b in on_project]
    pages = list(admin.role_bindings.list(resource_type="project", resource_id=project.id, limit=4).pages())
    assert [len(page.items) for page in pages] == [4, 2]
    headers = bearer(server)
    first = httpx.get(
        server.url + "/admin/role-bindings",
        headers=headers,
        params={"resource_type": "project", "resource_id": project.id, "limit": 4},
    ).json()
    token = first["pagination"]["next"]
    other_filter = httpx.get(
        server.url + "/admin/role-bindings",
        headers=headers,
        params={"role": "ProjectViewer", "limit": 4, "paginationToken": token},
    )
    assert other_filter.status_code == 400
    garbage = httpx.get(
        server.url + "/admin/role-bindings", headers=headers, params={"paginationToken": "zz"}
    )
    assert garbage.status_code == 400
    for params in (
        {"principal_id": accounts[0].id},
        {"resource_id": project.id},
        {"role": "Nope"},
        {"principal_type": "robot"},
        {"limit": 101},
    ):
        assert (
            httpx.get(server.url + "/admin/role-bindings", headers=headers, params=params).status_code == 400
        )


def test_last_org_owner_binding_cannot_be_deleted(admin: Admin, server: ServerHandle) -> None:
    extra = admin.service_accounts.create(
        name=unique("owner"), role_bindings=[{"resource_type": "organization", "role": "OrgOwner"}]
    ).service_account
    owners = list(admin.role_bindings.list(resource_type="organization", role="OrgOwner"))
    assert extra.id in {b.principal_id for b in owners}
    bootstrap = server.app.bootstrap.service_account_id
    for binding in owners:
        if binding.principal_id != bootstrap:
            admin.role_bindings.delete(role_binding_id=binding.id)
    (last,) = admin.role_bindings.list(resource_type="organization", role="OrgOwner")
    with pytest.raises(ConflictError) as caught:
        admin.role_bindings.delete(role_binding_id=last.id)
    assert caught.value.body["error"]["code"] == "ABORTED"
    with pytest.raises(ConflictError):
        admin.service_accounts.delete(service_account_id=bootstrap)


def test_api_key_roles_are_role_bindings(admin: Admin, project: Any) -> None:
    key = admin.api_keys.create(project_id=project.id, name="bound", roles=["ProjectViewer"])
    bindings = list(admin.role_bindings.list(principal_type="api_key", principal_id=key.key.id))
    assert [(b.resource_id, b.role) for b in bindings] == [(project.id, "ProjectViewer")]
    extra = admin.role_bindings.create(
        principal_type="api_key",
        principal_id=key.key.id,
        resource_type="project",
        resource_id=project.id,
        role="DataPlaneEditor",
    )
    assert {r.value for r in admin.api_keys.describe(api_key_id=key.key.id).roles} == {
        "ProjectViewer",
        "DataPlaneEditor",
    }
    admin.role_bindings.delete(role_binding_id=extra.id)
    assert [r.value for r in admin.api_keys.describe(api_key_id=key.key.id).roles] == ["ProjectViewer"]


def test_org_member_sees_only_projects_it_is_bound_to(server: ServerHandle, admin: Admin) -> None:
    visible = admin.projects.create(name=unique("visible"))
    hidden = admin.projects.create(name=unique("hidden"))
    member, member_id = robot(
        server,
        admin,
        {"resource_type": "organization", "role": "OrgMember"},
        {"resource_type": "project", "resource_id": visible.id, "role": "ProjectViewer"},
    )
    assert [p.id for p in member.projects.list()] == [visible.id]
    assert member.projects.describe(project_id=visible.id).id == visible.id
    with pytest.raises(NotFoundError):
        member.projects.describe(project_id=hidden.id)
    with pytest.raises(ForbiddenError):  # visible, but a viewer cannot see its API keys
        member.api_keys.list(project_id=visible.id)
    with pytest.raises(ForbiddenError):
        member.projects.update(project_id=visible.id, max_pods=3)
    with pytest.raises(ForbiddenError):
        member.service_accounts.list().to_list()
    own = {b.principal_id for b in member.role_bindings.list()}
    assert own == {member_id}  # a member sees its own bindings, not the organization's
    admin.role_bindings.create(
        principal_type="service_account",
        principal_id=member_id,
        resource_type="project",
        resource_id=visible.id,
        role="ProjectEditor",
    )
    assert member.api_keys.list(project_id=visible.id) is not None  # roles apply at once
    key = member.api_keys.create(project_id=visible.id, name="by-member")
    assert key.key.project_id == visible.id


def test_org_member_creating_a_project_becomes_its_owner(server: ServerHandle, admin: Admin) -> None:
    member, _ = robot(server, admin, {"resource_type": "organization", "role": "OrgMember"})
    created = member.projects.create(name=unique("mine"))
    assert [p.id for p in member.projects.list()] == [created.id]
    assert member.api_keys.create(project_id=created.id, name="k").key.project_id == created.id
    member.projects.delete(project_id=created.id)


def test_api_key_roles_gate_the_control_plane(server: ServerHandle, project: Any, key_for: Any) -> None:
    viewer: Pinecone = key_for(project.id, ["ControlPlaneViewer"])
    editor: Pinecone = key_for(project.id, ["ControlPlaneEditor"])
    data_only: Pinecone = key_for(project.id, ["DataPlaneEditor"])
    editor.indexes.create(name="gated", dimension=4)
    assert viewer.indexes.describe("gated").name == "gated"
    with pytest.raises(ForbiddenError) as caught:
        viewer.indexes.create(name="nope", dimension=4)
    assert caught.value.body["error"]["code"] == "PERMISSION_DENIED"
    with pytest.raises(ForbiddenError):
        viewer.indexes.configure("gated", deletion_protection="enabled")
    with pytest.raises(ForbiddenError):
        list(data_only.indexes.list())
    editor.indexes.delete("gated")


def test_project_b_indexes_are_invisible_to_project_a(admin: Admin, key_for: Any) -> None:
    team_a = admin.projects.create(name=unique("team-a"))
    team_b = admin.projects.create(name=unique("team-b"))
    pc_a: Pinecone = key_for(team_a.id)
    pc_b: Pinecone = key_for(team_b.id)
    pc_b.indexes.create(name="b-only", dimension=4)
    with pytest.raises(NotFoundError):
        pc_a.indexes.describe("b-only")
    with pytest.raises(NotFoundError):
        pc_a.indexes.delete("b-only")
    assert [i.name for i in pc_a.indexes.list()] == []
    pc_a.indexes.create(name="b-only", dimension=8)  # same name, other project: no clash
    assert pc_b.indexes.describe("b-only").schema.fields["_values"].dimension == 4
    pc_a.indexes.delete("b-only")
    pc_b.indexes.delete("b-only")


def test_bad_api_key_is_401_plain_text(server: ServerHandle) -> None:
    response = httpx.get(server.url + "/indexes", headers={"Api-Key": "pckey_nope"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Invalid API key"
    assert httpx.get(server.url + "/indexes").status_code == 401
    with pytest.raises(UnauthorizedError):
        list(Pinecone(api_key="pckey_nope", host=server.url).indexes.list())
