"""Authorization checks shared by handlers: visible projects, required permissions.

An Admin caller that cannot read a project gets 404 for it (it is invisible); one that can read it
but lacks the permission an action needs gets 403. A control-plane key that lacks
``control.read``/``control.write`` gets 403. Pure checks over the caller's grants and a row the
caller passes in or that is looked up in the given transaction; no writes.
"""

from __future__ import annotations

from .auth import AdminPrincipal, KeyPrincipal
from .errors import not_found, permission_denied
from .rbac import Perm
from .store import Row, Tx


def visible_project(tx: Tx, principal: AdminPrincipal, project_id: str) -> Row:
    """The project row if the caller can read it, else 404."""
    row = tx.one("SELECT * FROM projects WHERE id = ? AND org_id = ?", (project_id, principal.org_id))
    if row is None or not principal.grants.can(Perm.PROJECT_READ, project_id):
        raise not_found(f"Project {project_id} not found.")
    return row


def can_see_project(principal: AdminPrincipal, project_id: str) -> bool:
    """Whether a project is visible to the caller."""
    return principal.grants.can(Perm.PROJECT_READ, project_id)


def require(principal: AdminPrincipal, perm: Perm, project_id: str | None = None) -> None:
    """403 unless the caller holds ``perm`` (on ``project_id`` for project permissions)."""
    if not principal.grants.can(perm, project_id):
        where = f" on project {project_id}" if project_id else ""
        raise permission_denied(f"Access denied: the caller lacks permission {perm.value}{where}.")


def require_control(key: KeyPrincipal, write: bool, action: str) -> None:
    """403 unless the API key may read (or change) the project's control plane.

    ``action`` names the permission the way the service does (``control::indexes::create``).
    """
    needed = Perm.CONTROL_WRITE if write else Perm.CONTROL_READ
    if needed not in key.permissions:
        raise permission_denied(f"Access denied: Permission {action} is required")


def require_owner_for_owner(
    tx: Tx, principal: AdminPrincipal, principal_type: str, principal_id: str
) -> None:
    """403 unless the caller is an OrgOwner when the target principal holds OrgOwner.

    Only an OrgOwner may manage an OrgOwner's credentials and membership (rename, rotate its
    secret, delete it): otherwise an OrgManager could take the owner's identity and with it the
    owner-only permissions (renaming the organization, granting OrgOwner).
    """
    if principal.grants.can(Perm.GRANT_ORG_OWNER):
        return
    owner = tx.one(
        "SELECT id FROM role_bindings WHERE principal_type = ? AND principal_id = ? "
        "AND resource_type = 'organization' AND role = 'OrgOwner'",
        (principal_type, principal_id),
    )
    if owner is not None:
        raise permission_denied("Access denied: only an OrgOwner may manage an OrgOwner's credentials.")
