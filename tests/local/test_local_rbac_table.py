"""Every Admin API operation against every organization role, in one table.

The caller is a service account holding one organization role (or none) and no project role; the
target of each call is made fresh by the OrgOwner, so a destructive call never depends on another.
Expected statuses follow Pinecone's organization roles (docs: "Organization roles"):

- OrgOwner: everything, including renaming and deleting the organization and OrgOwner grants
  (deleting an organization that still holds projects is 412 even for its owner).
- OrgManager: everything but renaming or deleting the organization and OrgOwner grants.
- OrgBillingAdmin: read the organization and its members (billing has no Admin API operations).
- OrgMember: read the organization and its members; create projects (becoming their owner).
- none: no permission (a service account whose organization role was revoked).

A project the caller holds no role on is invisible (404) to billing admins, members and
role-less callers; everything else they may not do is 403. Lists answer 200 with what the caller
may see (a role-less caller sees no organization, no project, and only its own role bindings).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from local_support import owner_headers

from declarate.local import running_server
from declarate.local.app import OPERATIONS
from declarate.local.routing import ADMIN
from declarate.local.serve import ServerHandle

ROLES = ("OrgOwner", "OrgManager", "OrgBillingAdmin", "OrgMember", None)


class Targets:
    """Fresh objects for one call, created by the OrgOwner."""

    def __init__(self, client: httpx.Client, owner: dict[str, str], org_id: str):
        self.client = client
        self.owner = owner
        self.org_id = org_id

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.owner)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def project(self) -> str:
        return str(self._post("/admin/projects", {"name": _unique("p")})["id"])

    def api_key(self) -> str:
        project = self.project()
        return str(self._post(f"/admin/projects/{project}/api-keys", {"name": "k"})["key"]["id"])

    def user(self) -> str:
        return str(self._post("/_local/users", {"email": f"{_unique('u')}@example.com"})["id"])

    def invite(self) -> str:
        body = {
            "email": f"{_unique('i')}@example.com",
            "role_bindings": [{"resource_type": "organization", "role": "OrgMember"}],
        }
        return str(self._post("/admin/invites", body)["id"])

    def service_account(self) -> str:
        body = {"name": "target", "role_bindings": [{"resource_type": "organization", "role": "OrgMember"}]}
        return str(self._post("/admin/service-accounts", body)["service_account"]["id"])

    def binding_body(self) -> dict[str, Any]:
        return {
            "principal_type": "service_account",
            "principal_id": self.service_account(),
            "resource_type": "project",
            "resource_id": self.project(),
            "role": "ProjectViewer",
        }

    def role_binding(self) -> str:
        return str(self._post("/admin/role-bindings", self.binding_body())["id"])


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Case:
    """One operation: how to call it, and the status each role gets (owner, manager, billing, member, none)."""

    operation_id: str
    method: str
    path: Callable[[Targets], str]
    expected: tuple[int, int, int, int, int]
    body: Callable[[Targets], dict[str, Any]] | None = None


def _org(t: Targets) -> str:
    return f"/admin/organizations/{t.org_id}"


# fmt: off
TABLE: tuple[Case, ...] = (
    #                                                                       owner manager billing member none
    Case("list_organizations", "GET", lambda t: "/admin/organizations", (200, 200, 200, 200, 200)),
    Case("fetch_organization", "GET", _org, (200, 200, 200, 200, 403)),
    Case("update_organization", "PATCH", _org, (200, 403, 403, 403, 403),
         lambda t: {"name": "declarate-local"}),
    # The organization still holds projects: the owner passes the permission check, then 412.
    Case("delete_organization", "DELETE", _org, (412, 403, 403, 403, 403)),
    Case("list_projects", "GET", lambda t: "/admin/projects", (200, 200, 200, 200, 200)),
    Case("create_project", "POST", lambda t: "/admin/projects", (200, 200, 403, 200, 403),
         lambda t: {"name": _unique("new")}),
    Case("fetch_project", "GET", lambda t: f"/admin/projects/{t.project()}", (200, 200, 404, 404, 404)),
    Case("update_project", "PATCH", lambda t: f"/admin/projects/{t.project()}", (200, 200, 404, 404, 404),
         lambda t: {"name": _unique("renamed")}),
    Case("delete_project", "DELETE", lambda t: f"/admin/projects/{t.project()}", (202, 202, 404, 404, 404)),
    Case("list_project_api_keys", "GET", lambda t: f"/admin/projects/{t.project()}/api-keys",
         (200, 200, 404, 404, 404)),
    Case("create_api_key", "POST", lambda t: f"/admin/projects/{t.project()}/api-keys",
         (201, 201, 404, 404, 404), lambda t: {"name": "k"}),
    Case("fetch_api_key", "GET", lambda t: f"/admin/api-keys/{t.api_key()}", (200, 200, 404, 404, 404)),
    Case("update_api_key", "PATCH", lambda t: f"/admin/api-keys/{t.api_key()}", (200, 200, 404, 404, 404),
         lambda t: {"name": "renamed"}),
    Case("delete_api_key", "DELETE", lambda t: f"/admin/api-keys/{t.api_key()}", (202, 202, 404, 404, 404)),
    Case("list_users", "GET", lambda t: "/admin/users", (200, 200, 200, 200, 403)),
    Case("fetch_user", "GET", lambda t: f"/admin/users/{t.user()}", (200, 200, 200, 200, 403)),
    Case("delete_user", "DELETE", lambda t: f"/admin/users/{t.user()}", (202, 202, 403, 403, 403)),
    Case("list_invites", "GET", lambda t: "/admin/invites", (200, 200, 403, 403, 403)),
    Case("create_invite", "POST", lambda t: "/admin/invites", (200, 200, 403, 403, 403),
         lambda t: {"email": f"{_unique('n')}@example.com",
                    "role_bindings": [{"resource_type": "organization", "role": "OrgMember"}]}),
    Case("fetch_invite", "GET", lambda t: f"/admin/invites/{t.invite()}", (200, 200, 403, 403, 403)),
    Case("delete_invite", "DELETE", lambda t: f"/admin/invites/{t.invite()}", (202, 202, 403, 403, 403)),
    Case("resend_invite", "POST", lambda t: f"/admin/invites/{t.invite()}/resend", (200, 200, 403, 403, 403)),
    Case("list_service_accounts", "GET", lambda t: "/admin/service-accounts", (200, 200, 403, 403, 403)),
    Case("create_service_account", "POST", lambda t: "/admin/service-accounts", (201, 201, 403, 403, 403),
         lambda t: {"name": "made"}),
    Case("fetch_service_account", "GET", lambda t: f"/admin/service-accounts/{t.service_account()}",
         (200, 200, 403, 403, 403)),
    Case("update_service_account", "PATCH", lambda t: f"/admin/service-accounts/{t.service_account()}",
         (200, 200, 403, 403, 403), lambda t: {"name": "renamed"}),
    Case("delete_service_account", "DELETE", lambda t: f"/admin/service-accounts/{t.service_account()}",
         (202, 202, 403, 403, 403)),
    Case("rotate_service_account_secret", "POST",
         lambda t: f"/admin/service-accounts/{t.service_account()}/rotate-secret", (200, 200, 403, 403, 403)),
    Case("list_role_bindings", "GET", lambda t: "/admin/role-bindings", (200, 200, 200, 200, 200)),
    Case("create_role_binding", "POST", lambda t: "/admin/role-bindings", (200, 200, 404, 404, 404),
         lambda t: t.binding_body()),
    Case("fetch_role_binding", "GET", lambda t: f"/admin/role-bindings/{t.role_binding()}",
         (200, 200, 404, 404, 404)),
    Case("delete_role_binding", "DELETE", lambda t: f"/admin/role-bindings/{t.role_binding()}",
         (202, 202, 404, 404, 404)),
)
# fmt: on


@dataclass
class World:
    client: httpx.Client
    targets: Targets
    callers: dict[str | None, dict[str, str]]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with running_server() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield _world(server, client)


def _world(server: ServerHandle, client: httpx.Client) -> World:
    owner = owner_headers(client, server.client_id, server.client_secret)
    org_id = client.get("/admin/organizations", headers=owner).json()["data"][0]["id"]
    callers: dict[str | None, dict[str, str]] = {}
    for role in ROLES:
        bindings = [{"resource_type": "organization", "role": role}] if role else []
        created = client.post(
            "/admin/service-accounts",
            json={"name": f"caller-{role}", "role_bindings": bindings},
            headers=owner,
        ).json()
        callers[role] = owner_headers(
            client, created["service_account"]["client_id"], created["client_secret"]
        )
    targets = Targets(client, owner, org_id)
    targets.project()  # the organization is never empty, so deleting it is always refused (412)
    return World(client=client, targets=targets, callers=callers)


def test_the_table_covers_every_admin_operation() -> None:
    served = {op.operation_id for op in OPERATIONS if op.family == ADMIN}
    assert {case.operation_id for case in TABLE} == served


@pytest.mark.parametrize("case", TABLE, ids=lambda case: case.operation_id)
def test_every_role_gets_the_documented_status(world: World, case: Case) -> None:
    got: list[int] = []
    for role in ROLES:
        path = case.path(world.targets)
        body = case.body(world.targets) if case.body else None
        response = world.client.request(case.method, path, json=body, headers=world.callers[role])
        got.append(response.status_code)
        if response.status_code >= 400:
            assert response.json()["error"]["code"] in (
                "PERMISSION_DENIED",
                "NOT_FOUND",
                "FAILED_PRECONDITION",
            ), response.text
    assert tuple(got) == case.expected, dict(zip([str(role) for role in ROLES], got, strict=True))


def test_a_caller_without_a_role_lists_nothing(world: World) -> None:
    nobody = world.callers[None]
    assert world.client.get("/admin/organizations", headers=nobody).json()["data"] == []
    assert world.client.get("/admin/projects", headers=nobody).json()["data"] == []
    assert world.client.get("/admin/organizations", headers=world.callers["OrgBillingAdmin"]).json()["data"]
