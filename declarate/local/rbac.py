"""Roles and what they allow: the one table the local control plane's authorization reads.

A principal's effective permissions are the union of its roles (Pinecone's model). Organization
roles grant organization permissions and, for OrgOwner and OrgManager, every project permission on
every project of the organization. Project roles grant permissions on one project. API keys carry
project roles of their own project. The tables (local semantics, modelled on Pinecone's docs):

| role               | scope        | grants                                                        |
| ------------------ | ------------ | ------------------------------------------------------------- |
| OrgOwner           | organization | everything, including org.update/delete and granting OrgOwner |
| OrgManager         | organization | everything but org.update/delete and OrgOwner grants          |
| OrgMember          | organization | org.read, users.read, projects.create (creator becomes owner) |
| OrgBillingAdmin    | organization | org.read, users.read                                          |
| ProjectOwner       | project      | every project permission                                      |
| ProjectManager     | project      | project.read, control.*, data.* (no members, no API keys)     |
| ProjectMember      | project      | project.read (membership; access comes from access roles)     |
| ProjectEditor      | project      | project.read, api_keys.*, control.*, data.*                   |
| ProjectViewer      | project      | project.read, control.read, data.read                         |
| ControlPlaneEditor | project      | project.read, control.read, control.write                     |
| ControlPlaneViewer | project      | project.read, control.read                                    |
| DataPlaneEditor    | project      | project.read, data.read, data.write                           |
| DataPlaneViewer    | project      | project.read, data.read                                       |

API keys may hold only the six access roles (ProjectEditor .. DataPlaneViewer). Control-plane
calls need control.read (reads) or control.write (changes); a key with only DataPlane* roles gets
403. Pure data: no storage, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Perm(StrEnum):
    """One permission."""

    ORG_READ = "org.read"
    ORG_UPDATE = "org.update"
    ORG_DELETE = "org.delete"
    PROJECTS_CREATE = "projects.create"
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    INVITES_MANAGE = "invites.manage"
    SERVICE_ACCOUNTS_MANAGE = "service_accounts.manage"
    ROLE_BINDINGS_READ = "role_bindings.read"
    ORG_BINDINGS_MANAGE = "org_bindings.manage"
    GRANT_ORG_OWNER = "org_bindings.grant_owner"
    PROJECT_READ = "project.read"
    PROJECT_UPDATE = "project.update"
    PROJECT_DELETE = "project.delete"
    API_KEYS_READ = "api_keys.read"
    API_KEYS_MANAGE = "api_keys.manage"
    PROJECT_BINDINGS_READ = "project_bindings.read"
    PROJECT_BINDINGS_MANAGE = "project_bindings.manage"
    CONTROL_READ = "control.read"
    CONTROL_WRITE = "control.write"
    DATA_READ = "data.read"
    DATA_WRITE = "data.write"


ORG_ROLES: tuple[str, ...] = ("OrgOwner", "OrgManager", "OrgMember", "OrgBillingAdmin")
PROJECT_ROLES: tuple[str, ...] = (
    "ProjectOwner",
    "ProjectManager",
    "ProjectMember",
    "ProjectEditor",
    "ProjectViewer",
    "ControlPlaneEditor",
    "ControlPlaneViewer",
    "DataPlaneEditor",
    "DataPlaneViewer",
)
API_KEY_ROLES: tuple[str, ...] = (
    "ProjectEditor",
    "ProjectViewer",
    "ControlPlaneEditor",
    "ControlPlaneViewer",
    "DataPlaneEditor",
    "DataPlaneViewer",
)
ALL_ROLES: tuple[str, ...] = ORG_ROLES + PROJECT_ROLES
DEFAULT_API_KEY_ROLES: tuple[str, ...] = ("ProjectEditor",)
PRINCIPAL_TYPES: tuple[str, ...] = ("user", "service_account", "api_key", "invite")
RESOURCE_TYPES: tuple[str, ...] = ("organization", "project")

_ALL_PROJECT = frozenset(
    {
        Perm.PROJECT_READ,
        Perm.PROJECT_UPDATE,
        Perm.PROJECT_DELETE,
        Perm.API_KEYS_READ,
        Perm.API_KEYS_MANAGE,
        Perm.PROJECT_BINDINGS_READ,
        Perm.PROJECT_BINDINGS_MANAGE,
        Perm.CONTROL_READ,
        Perm.CONTROL_WRITE,
        Perm.DATA_READ,
        Perm.DATA_WRITE,
    }
)
_ORG_ADMIN = frozenset(
    {
        Perm.ORG_READ,
        Perm.PROJECTS_CREATE,
        Perm.USERS_READ,
        Perm.USERS_MANAGE,
        Perm.INVITES_MANAGE,
        Perm.SERVICE_ACCOUNTS_MANAGE,
        Perm.ROLE_BINDINGS_READ,
        Perm.ORG_BINDINGS_MANAGE,
    }
)

# Organization role -> permissions on the organization.
ORG_ROLE_PERMISSIONS: Mapping[str, frozenset[Perm]] = {
    "OrgOwner": _ORG_ADMIN | {Perm.ORG_UPDATE, Perm.ORG_DELETE, Perm.GRANT_ORG_OWNER},
    "OrgManager": _ORG_ADMIN,
    "OrgMember": frozenset({Perm.ORG_READ, Perm.USERS_READ, Perm.PROJECTS_CREATE}),
    "OrgBillingAdmin": frozenset({Perm.ORG_READ, Perm.USERS_READ}),
}

# Organization role -> permissions on every project of the organization.
ORG_ROLE_PROJECT_PERMISSIONS: Mapping[str, frozenset[Perm]] = {
    "OrgOwner": _ALL_PROJECT,
    "OrgManager": _ALL_PROJECT,
    "OrgMember": frozenset(),
    "OrgBillingAdmin": frozenset(),
}

# Project role -> permissions on that project.
PROJECT_ROLE_PERMISSIONS: Mapping[str, frozenset[Perm]] = {
    "ProjectOwner": _ALL_PROJECT,
    "ProjectManager": frozenset(
        {Perm.PROJECT_READ, Perm.CONTROL_READ, Perm.CONTROL_WRITE, Perm.DATA_READ, Perm.DATA_WRITE}
    ),
    "ProjectMember": frozenset({Perm.PROJECT_READ}),
    "ProjectEditor": frozenset(
        {
            Perm.PROJECT_READ,
            Perm.API_KEYS_READ,
            Perm.API_KEYS_MANAGE,
            Perm.CONTROL_READ,
            Perm.CONTROL_WRITE,
            Perm.DATA_READ,
            Perm.DATA_WRITE,
        }
    ),
    "ProjectViewer": frozenset({Perm.PROJECT_READ, Perm.CONTROL_READ, Perm.DATA_READ}),
    "ControlPlaneEditor": frozenset({Perm.PROJECT_READ, Perm.CONTROL_READ, Perm.CONTROL_WRITE}),
    "ControlPlaneViewer": frozenset({Perm.PROJECT_READ, Perm.CONTROL_READ}),
    "DataPlaneEditor": frozenset({Perm.PROJECT_READ, Perm.DATA_READ, Perm.DATA_WRITE}),
    "DataPlaneViewer": frozenset({Perm.PROJECT_READ, Perm.DATA_READ}),
}


def scope_of(role: str) -> str:
    """The resource type a role can be bound at: ``organization`` or ``project``."""
    return "organization" if role in ORG_ROLES else "project"


@dataclass(frozen=True)
class Grants:
    """Everything a principal may do, computed from its role bindings."""

    org: frozenset[Perm] = frozenset()
    every_project: frozenset[Perm] = frozenset()
    projects: Mapping[str, frozenset[Perm]] = field(default_factory=dict)
    org_roles: frozenset[str] = frozenset()

    def on_project(self, project_id: str) -> frozenset[Perm]:
        """Permissions on one project."""
        return self.every_project | self.projects.get(project_id, frozenset())

    def can(self, perm: Perm, project_id: str | None = None) -> bool:
        """Whether the principal holds ``perm`` (on ``project_id`` for project permissions)."""
        if project_id is not None:
            return perm in self.on_project(project_id)
        return perm in self.org

    def sees_every_project(self) -> bool:
        """OrgOwner / OrgManager: every project is visible."""
        return Perm.PROJECT_READ in self.every_project


def grants_from_bindings(bindings: Iterable[tuple[str, str, str]]) -> Grants:
    """Grants of a principal from its ``(resource_type, resource_id, role)`` bindings."""
    org: set[Perm] = set()
    every_project: set[Perm] = set()
    projects: dict[str, set[Perm]] = {}
    org_roles: set[str] = set()
    for resource_type, resource_id, role in bindings:
        if resource_type == "organization":
            org_roles.add(role)
            org |= ORG_ROLE_PERMISSIONS.get(role, frozenset())
            every_project |= ORG_ROLE_PROJECT_PERMISSIONS.get(role, frozenset())
        else:
            projects.setdefault(resource_id, set()).update(PROJECT_ROLE_PERMISSIONS.get(role, frozenset()))
    return Grants(
        org=frozenset(org),
        every_project=frozenset(every_project),
        projects={project: frozenset(perms) for project, perms in projects.items()},
        org_roles=frozenset(org_roles),
    )


def api_key_permissions(roles: Iterable[str]) -> frozenset[Perm]:
    """Project permissions of an API key with these roles."""
    perms: set[Perm] = set()
    for role in roles:
        if role in API_KEY_ROLES:
            perms |= PROJECT_ROLE_PERMISSIONS[role]
    return frozenset(perms)
