"""One table per fact about each resource kind: mutability (with why), secrets, roles, ordering.

Code and docs read these tables; nothing else in declarate hard-codes which field is immutable or
which role is valid where. Pure data, stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

from declarate.model.address import Kind, PrincipalType


class Mutability(StrEnum):
    """How a change to a field is carried out."""

    IN_PLACE = "in_place"  # an update call
    REPLACE = "replace"  # delete and create: data loss
    ONE_WAY = "one_way"  # may only move in one direction (cmek false -> true)


@dataclass(frozen=True)
class FieldRule:
    """Mutability of the attribute paths matching `pattern` (dot-separated, `*` = one segment)."""

    pattern: str
    mutability: Mutability
    reason: str

    def matches(self, path: str) -> bool:
        """True when `path` is the pattern or lies below it."""
        segments = path.split(".")
        wanted = self.pattern.split(".")
        if len(segments) < len(wanted):
            return False
        return all(fnmatchcase(s, w) for s, w in zip(segments, wanted, strict=False))


class Rename(StrEnum):
    """How `renamed_from` is carried out for a kind (DESIGN §9.1, §9.6)."""

    IN_PLACE = "in_place"  # one update of `name`: ids, key values and client secrets stay
    THROUGH_BACKUP = "through_backup"  # back up, create the new name from the backup, delete the old
    NONE = "none"  # the kind cannot be renamed


RENAME_REASONS: dict[Rename, str] = {
    Rename.IN_PLACE: "its name is updated in place (the same object: its id, key value or secret stay)",
    Rename.THROUGH_BACKUP: (
        "backed up, created under the new name from the backup, checked to hold every record, then the "
        "old index (its records moved) and the temporary backup are deleted"
    ),
    Rename.NONE: "this kind cannot be renamed",
}


@dataclass(frozen=True)
class KindSpec:
    """Everything declarate knows about one kind of resource."""

    kind: Kind
    level: int  # dependency level: lower is created first and deleted last
    fields: tuple[FieldRule, ...]  # first match wins; unmatched paths are IN_PLACE
    secret_fields: tuple[str, ...] = ()
    taggable: bool = False
    rename: Rename = Rename.NONE

    def rule_for(self, path: str) -> FieldRule:
        """The rule deciding how `path` changes (first match wins)."""
        for rule in self.fields:
            if rule.matches(path):
                return rule
        return FieldRule(path, Mutability.IN_PLACE, f"{path} can be changed in place")


_DATA_LOSS = "replacing the index deletes all its vectors"

INDEX_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", Mutability.REPLACE, "the name is the index's identity"),
    FieldRule("deletion_protection", Mutability.IN_PLACE, "deletion protection can be changed in place"),
    FieldRule("tags", Mutability.IN_PLACE, "tags can be changed in place"),
    FieldRule("read_capacity", Mutability.IN_PLACE, "read capacity can be changed in place"),
    FieldRule("deployment.replicas", Mutability.IN_PLACE, "pod replicas can be changed in place"),
    FieldRule("deployment.pod_type", Mutability.IN_PLACE, "the pod size can be changed in place"),
    FieldRule(
        "deployment.deployment_type",
        Mutability.REPLACE,
        f"the deployment type (serverless, pod, BYOC) is immutable: {_DATA_LOSS}",
    ),
    FieldRule("deployment.cloud", Mutability.REPLACE, f"cloud is immutable: {_DATA_LOSS}"),
    FieldRule("deployment.region", Mutability.REPLACE, f"region is immutable: {_DATA_LOSS}"),
    FieldRule("deployment.environment", Mutability.REPLACE, f"environment is immutable: {_DATA_LOSS}"),
    FieldRule("deployment", Mutability.REPLACE, f"the deployment is immutable: {_DATA_LOSS}"),
    FieldRule(
        "schema.fields.*.read_parameters",
        Mutability.IN_PLACE,
        "embedding read parameters can be changed in place",
    ),
    FieldRule(
        "schema.fields.*.write_parameters",
        Mutability.IN_PLACE,
        "embedding write parameters can be changed in place",
    ),
    FieldRule("schema.fields.*.dimension", Mutability.REPLACE, f"dimension is immutable: {_DATA_LOSS}"),
    FieldRule("schema.fields.*.metric", Mutability.REPLACE, f"metric is immutable: {_DATA_LOSS}"),
    FieldRule("schema.fields.*.model", Mutability.REPLACE, f"the embedding model is immutable: {_DATA_LOSS}"),
    FieldRule("schema.fields.*.type", Mutability.REPLACE, f"a field's type is immutable: {_DATA_LOSS}"),
    FieldRule("schema", Mutability.REPLACE, f"schema fields are immutable: {_DATA_LOSS}"),
)

PROJECT_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", Mutability.REPLACE, "the name is the project's identity"),
    FieldRule("max_pods", Mutability.IN_PLACE, "max_pods can be changed in place"),
    FieldRule(
        "force_encryption_with_cmek",
        Mutability.ONE_WAY,
        "CMEK encryption can be turned on but never turned off",
    ),
)

API_KEY_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", Mutability.REPLACE, "the name is the key's identity"),
    FieldRule("roles", Mutability.IN_PLACE, "an API key's roles can be changed in place"),
)

SERVICE_ACCOUNT_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", Mutability.REPLACE, "the name is the service account's identity"),
)

ROLE_BINDING_FIELDS: tuple[FieldRule, ...] = (
    FieldRule(
        "*",
        Mutability.REPLACE,
        "role bindings are immutable: a change creates the new binding, then deletes the old one",
    ),
)

BACKUP_SCHEDULE_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("name", Mutability.REPLACE, "the name is the backup schedule's identity"),
    FieldRule("frequency", Mutability.IN_PLACE, "a backup schedule's frequency can be changed in place"),
    FieldRule("retain_days", Mutability.IN_PLACE, "a backup schedule's retention can be changed in place"),
    FieldRule("enabled", Mutability.IN_PLACE, "a backup schedule can be enabled or disabled in place"),
)

KINDS: dict[Kind, KindSpec] = {
    Kind.PROJECT: KindSpec(Kind.PROJECT, level=0, fields=PROJECT_FIELDS, rename=Rename.IN_PLACE),
    Kind.SERVICE_ACCOUNT: KindSpec(
        Kind.SERVICE_ACCOUNT,
        level=1,
        fields=SERVICE_ACCOUNT_FIELDS,
        secret_fields=("client_secret",),
        rename=Rename.IN_PLACE,
    ),
    Kind.API_KEY: KindSpec(
        Kind.API_KEY, level=1, fields=API_KEY_FIELDS, secret_fields=("value",), rename=Rename.IN_PLACE
    ),
    Kind.INDEX: KindSpec(
        Kind.INDEX, level=2, fields=INDEX_FIELDS, taggable=True, rename=Rename.THROUGH_BACKUP
    ),
    Kind.ROLE_BINDING: KindSpec(Kind.ROLE_BINDING, level=3, fields=ROLE_BINDING_FIELDS),
    # After its index (created first, deleted last); an index's delete takes its schedules with it.
    Kind.BACKUP_SCHEDULE: KindSpec(Kind.BACKUP_SCHEDULE, level=3, fields=BACKUP_SCHEDULE_FIELDS),
}


class Scope(StrEnum):
    ORGANIZATION = "organization"
    PROJECT = "project"


ORGANIZATION_ROLES: tuple[str, ...] = ("OrgOwner", "OrgManager", "OrgMember", "OrgBillingAdmin")
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

# Roles valid per (scope, principal type). Users and service accounts may hold any role of a scope.
BINDING_ROLES: dict[tuple[Scope, PrincipalType], tuple[str, ...]] = {
    (Scope.ORGANIZATION, PrincipalType.USER): ORGANIZATION_ROLES,
    (Scope.ORGANIZATION, PrincipalType.SERVICE_ACCOUNT): ORGANIZATION_ROLES,
    (Scope.PROJECT, PrincipalType.USER): PROJECT_ROLES,
    (Scope.PROJECT, PrincipalType.SERVICE_ACCOUNT): PROJECT_ROLES,
}

# Organization roles that make a principal a member of the organization (an invite needs one).
MEMBERSHIP_ROLES: tuple[str, ...] = ORGANIZATION_ROLES

# The roles of the temporary per-project key declarate mints: control-plane calls, and reading the
# record counts of the indexes a plan deletes (describe_index_stats), never writing records.
TEMPORARY_KEY_ROLES: tuple[str, ...] = ("ControlPlaneEditor", "DataPlaneViewer")
TEMPORARY_KEY_PREFIX = "declarate-tmp-"
# `report` reads each index's statistics on its data plane, as the plan does for the indexes it deletes.
USAGE_KEY_ROLES: tuple[str, ...] = TEMPORARY_KEY_ROLES
