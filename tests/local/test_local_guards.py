"""Invariants the Admin API guards: the last OrgOwner and the last organization membership."""

from __future__ import annotations

import httpx
from local_support import owner_headers

from declarate.local import running_server


def test_membership_guards() -> None:
    with running_server() as server, httpx.Client(base_url=server.url) as client:
        owner = owner_headers(client, server.client_id, server.client_secret)
        user = client.post(
            "/_local/users", json={"email": "u@example.com", "name": "U"}, headers=owner
        ).json()
        (membership,) = client.get(
            "/admin/role-bindings",
            params={"principal_type": "user", "principal_id": user["id"]},
            headers=owner,
        ).json()["data"]
        refused = client.delete(f"/admin/role-bindings/{membership['id']}", headers=owner)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "ABORTED"
        invite = client.post(
            "/admin/invites",
            headers=owner,
            json={
                "email": "i@example.com",
                "role_bindings": [{"resource_type": "organization", "role": "OrgMember"}],
            },
        ).json()
        (invited,) = client.get(
            "/admin/role-bindings",
            params={"principal_type": "invite", "principal_id": invite["id"]},
            headers=owner,
        ).json()["data"]
        assert client.delete(f"/admin/role-bindings/{invited['id']}", headers=owner).status_code == 409
        (owner_binding,) = client.get(
            "/admin/role-bindings", params={"role": "OrgOwner"}, headers=owner
        ).json()["data"]
        assert client.delete(f"/admin/role-bindings/{owner_binding['id']}", headers=owner).status_code == 409
        bootstrap = server.app.bootstrap.service_account_id
        assert client.delete(f"/admin/service-accounts/{bootstrap}", headers=owner).status_code == 409
        promoted = client.post(
            "/admin/role-bindings",
            headers=owner,
            json={
                "principal_type": "user",
                "principal_id": user["id"],
                "resource_type": "organization",
                "role": "OrgOwner",
            },
        )
        assert promoted.status_code == 200
        assert client.delete(f"/admin/role-bindings/{owner_binding['id']}", headers=owner).status_code == 202
        assert (
            client.delete(f"/admin/users/{user['id']}", headers=owner).status_code == 403
        )  # no longer an owner
