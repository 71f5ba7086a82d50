"""Contract: ``admin.organizations.delete`` on an instance of its own, and what the instance does next.

Deleting the session server's organization would end every other contract test, so this runs on
a second recorded server and hands its responses to the session recorder: the conformance checks
see them like any other.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pinecone import Admin
from pinecone.errors import ApiError, FailedPreconditionError, ForbiddenError, NotFoundError

from declarate.local import running_server
from declarate.local.serve import ServerHandle


def _admin(handle: ServerHandle, client_id: str, client_secret: str) -> Admin:
    return Admin(
        client_id=client_id, client_secret=client_secret, host=handle.url, oauth_url=handle.oauth_url
    )


def test_delete_the_only_organization_then_restart(server: ServerHandle, tmp_path: Path) -> None:
    db = str(tmp_path / "org.db")
    with running_server(db_path=db, record_responses=True) as own:
        owner = _admin(own, own.client_id, own.client_secret)
        (org,) = owner.organizations.list()
        manager_account = owner.service_accounts.create(
            name="manager", role_bindings=[{"resource_type": "organization", "role": "OrgManager"}]
        )
        manager = _admin(own, manager_account.service_account.client_id, manager_account.client_secret)
        project = owner.projects.create(name="last")
        with pytest.raises(FailedPreconditionError):
            owner.organizations.delete(organization_id=org.id)  # delete all its projects first
        with pytest.raises(ForbiddenError):
            manager.organizations.delete(organization_id=org.id)  # OrgOwner only
        with pytest.raises(NotFoundError):
            owner.organizations.delete(organization_id="not-this-one")
        owner.projects.delete(project_id=project.id)
        raw = httpx.delete(
            f"{own.url}/admin/organizations/{org.id}",
            headers={"Authorization": "Bearer nope", "X-Pinecone-Api-Version": "2026-07"},
        )
        assert raw.status_code == 401
        owner.organizations.delete(organization_id=org.id)
        # Its service accounts went with it: every credential is refused from now on.
        for client_id, secret in (
            (own.client_id, own.client_secret),
            (manager_account.service_account.client_id, manager_account.client_secret),
        ):
            with pytest.raises(ApiError) as refused:
                _admin(own, client_id, secret).organizations.list()
            assert refused.value.status_code == 401
    # The server has stopped, so every response it sent is recorded (a response can reach the
    # client before its recording lands): hand them to the session's conformance checks.
    assert own.app.recorder is not None and server.app.recorder is not None
    recorded = own.app.recorder.entries()
    assert [e["status"] for e in recorded if e["operation_id"] == "delete_organization"] == [
        412,
        403,
        404,
        401,
        202,
    ]
    for entry in recorded:
        server.app.recorder.add(entry)
    # The next start bootstraps a new organization and owner in the same data file.
    with running_server(db_path=db) as restarted:
        fresh = _admin(restarted, restarted.client_id, restarted.client_secret)
        (new_org,) = fresh.organizations.list()
        assert new_org.id != org.id
        assert list(fresh.projects.list()) == []
