"""Pure mapping between Pinecone 2026-07 JSON and canonical Resources, in both directions.

Reading goes through `declarate.model.canonical`, the same functions config normalization uses, so a
live object that means what the config says compares equal to it. Writing builds request bodies
from canonical attrs. No I/O here, and no knowledge of which call sends a body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from declarate.errors import DeclarateError
from declarate.model import defaults as d
from declarate.model.address import PRINCIPAL_NAMES, Address
from declarate.model.canonical import (
    JSON,
    canonical_api_key,
    canonical_backup_schedule,
    canonical_index,
    canonical_project,
    canonical_role_binding,
    canonical_service_account,
)
from declarate.model.resource import Resource

SEMANTIC_TEXT = "semantic_text"


class UnsupportedChange(DeclarateError):
    """A desired object that API 2026-07 cannot create or change as declared."""


# -- reading: API JSON -> Resource -----------------------------------------------------------------


def project_resource(raw: Mapping[str, Any]) -> Resource:
    return Resource(
        Address.project_(raw["name"]),
        canonical_project(raw),
        server={"id": raw["id"], "created_at": raw.get("created_at")},
    )


def index_resource(project: str, raw: Mapping[str, Any]) -> Resource:
    status = dict(raw.get("status") or {})
    return Resource(
        Address.index(project, raw["name"]),
        canonical_index(raw),
        server={"host": raw.get("host"), "status": status, "state": status.get("state")},
    )


def backup_schedule_resource(project: str, index: str, raw: Mapping[str, Any]) -> Resource:
    """A live schedule (BackupScheduleResponse) in the config's words; its id is server-only."""
    return Resource(
        Address.backup_schedule(project, index, raw["name"]),
        canonical_backup_schedule(
            {
                "name": raw["name"],
                "frequency": raw["frequency"],
                "retain_days": raw["retention_expire_after_days"],
                "enabled": raw["enabled"],
            }
        ),
        server={"schedule_id": raw["schedule_id"], "index_id": raw.get("index_id")},
    )


def backup_schedule_create_body(attrs: Mapping[str, Any]) -> JSON:
    """CreateBackupScheduleRequest: the API has no `enabled` here (a new schedule is enabled)."""
    return {
        "name": attrs["name"],
        "schedule": {"type": d.BACKUP_SCHEDULE_TYPE, "frequency": attrs["frequency"]},
        "retention": {"expire_after_days": attrs["retain_days"]},
    }


def backup_schedule_update_body(desired: Mapping[str, Any], live: Mapping[str, Any]) -> JSON:
    """UpdateBackupScheduleRequest with only the fields that differ (omitted fields stay unchanged)."""
    body: JSON = {}
    if desired["frequency"] != live.get("frequency"):
        body["frequency"] = desired["frequency"]
    if desired["retain_days"] != live.get("retain_days"):
        body["retention"] = {"expire_after_days": desired["retain_days"]}
    if desired["enabled"] != live.get("enabled"):
        body["enabled"] = desired["enabled"]
    return body


def api_key_resource(project: str, raw: Mapping[str, Any]) -> Resource:
    return Resource(
        Address.api_key(project, raw["name"]),
        canonical_api_key(raw),
        server={"id": raw["id"], "project_id": raw.get("project_id")},
    )


def service_account_resource(raw: Mapping[str, Any]) -> Resource:
    return Resource(
        Address.service_account(raw["name"]),
        canonical_service_account(raw),
        server={"id": raw["id"], "client_id": raw.get("client_id")},
    )


@dataclass(frozen=True)
class Principals:
    """Id -> name lookups a role binding needs to be addressed the way config names it."""

    projects: Mapping[str, str]  # project id -> name
    service_accounts: Mapping[str, str]  # service account id -> name
    users: Mapping[str, str]  # user id -> email
    invites: Mapping[str, str]  # invite id -> email

    def name_of(self, wire_type: str, principal_id: str) -> str | None:
        table = {"user": self.users, "invite": self.invites, "service_account": self.service_accounts}
        return table.get(wire_type, {}).get(principal_id)


def role_binding_resource(raw: Mapping[str, Any], principals: Principals) -> Resource | None:
    """The binding's resource, or None when config cannot address it.

    None for `api_key` principals (a key's roles are modelled on the key) and for bindings to a
    project this lookup does not know. A principal that cannot be resolved keeps its id as its name,
    so the binding still shows up (as unmanaged) instead of vanishing.
    """
    wire_type = str(raw.get("principal_type"))
    principal_type = PRINCIPAL_NAMES.get(wire_type)
    if principal_type is None:
        return None
    project: str | None = None
    if raw.get("resource_type") == "project":
        project = principals.projects.get(str(raw.get("resource_id")))
        if project is None:
            return None
    principal_id = str(raw["principal_id"])
    principal = principals.name_of(wire_type, principal_id) or principal_id
    role = str(raw["role"])
    return Resource(
        Address.role_binding(project, principal_type, principal, role),
        canonical_role_binding(project, principal_type.value, principal, role),
        server={
            "id": raw["id"],
            "principal_type": wire_type,
            "principal_id": principal_id,
            "resource_id": raw.get("resource_id"),
        },
    )


def principal_types_of(bindings: Iterable[Mapping[str, Any]]) -> set[str]:
    """The wire principal types among `bindings` (to fetch only the lookups they need)."""
    return {str(b.get("principal_type")) for b in bindings}


# -- writing: canonical attrs -> request bodies ----------------------------------------------------


def project_create_body(attrs: Mapping[str, Any]) -> JSON:
    return {
        "name": attrs["name"],
        "max_pods": attrs["max_pods"],
        "force_encryption_with_cmek": attrs["force_encryption_with_cmek"],
    }


def project_update_body(desired: Mapping[str, Any], live: Mapping[str, Any]) -> JSON:
    """Only the changed mutable fields (PATCH /admin/projects/{id})."""
    return {
        k: desired[k] for k in ("max_pods", "force_encryption_with_cmek") if desired.get(k) != live.get(k)
    }


def api_key_create_body(attrs: Mapping[str, Any]) -> JSON:
    return {"name": attrs["name"], "roles": list(attrs["roles"])}


def api_key_update_body(desired: Mapping[str, Any]) -> JSON:
    """PATCH replaces the whole role set."""
    return {"roles": list(desired["roles"])}


def service_account_create_body(attrs: Mapping[str, Any]) -> JSON:
    return {"name": attrs["name"]}


def role_binding_body(wire_type: str, principal_id: str, project_id: str | None, role: str) -> JSON:
    body: JSON = {"principal_type": wire_type, "principal_id": principal_id, "role": role}
    body.update(binding_scope(project_id))
    return body


def binding_scope(project_id: str | None) -> JSON:
    """`resource_type`/`resource_id` for a binding at a project, or at the organization (None)."""
    if project_id is None:
        return {"resource_type": "organization"}
    return {"resource_type": "project", "resource_id": project_id}


def invite_body(email: str, bindings: Sequence[tuple[str | None, str]]) -> JSON:
    """An invite carrying role bindings, each (project id or None for the organization, role)."""
    return {
        "email": email,
        "role_bindings": [{**binding_scope(project_id), "role": role} for project_id, role in bindings],
    }


@dataclass(frozen=True)
class IndexCreate:
    """Which create call an index needs and its body."""

    path: str  # /indexes or /indexes/create-for-model
    body: JSON


def index_create_request(attrs: Mapping[str, Any]) -> IndexCreate:
    """The 2026-07 create call for a canonical index.

    A `semantic_text` field means an integrated-embedding index, which only create-for-model can
    make. Raises UnsupportedChange for what 2026-07 cannot create (pod indexes, for one).
    """
    name = attrs["name"]
    deployment = dict(attrs.get("deployment") or {})
    deployment_type = deployment.get("deployment_type", "managed")
    if deployment_type == "pod":
        raise UnsupportedChange(
            f"index {name}: pod indexes cannot be created with API 2026-07; declare a serverless "
            "deployment (deployment: {cloud, region}) for a new index, or create the pod index "
            "another way and let declarate manage it"
        )
    common: JSON = {"name": name, "deletion_protection": attrs.get("deletion_protection", "disabled")}
    if attrs.get("tags"):
        common["tags"] = dict(attrs["tags"])
    if attrs.get("read_capacity") is not None:
        common["read_capacity"] = dict(attrs["read_capacity"])
    fields: Mapping[str, Any] = (attrs.get("schema") or {}).get("fields") or {}
    semantic = [n for n, f in fields.items() if f.get("type") == SEMANTIC_TEXT]
    if not semantic:
        body = {**common, "schema": {"fields": {n: dict(f) for n, f in fields.items()}}}
        body["deployment"] = deployment
        return IndexCreate("/indexes", body)
    if len(semantic) > 1:
        raise UnsupportedChange(f"index {name}: an index can have only one semantic_text field")
    if deployment_type != "managed":
        raise UnsupportedChange(f"index {name}: an integrated embedding model needs a managed deployment")
    return IndexCreate("/indexes/create-for-model", _for_model_body(common, semantic[0], fields, deployment))


def _for_model_body(common: JSON, text_field: str, fields: Mapping[str, Any], deployment: JSON) -> JSON:
    spec = fields[text_field]
    embed: JSON = {"model": spec["model"], "field_map": {"text": text_field}}
    for key in ("metric", "dimension", "read_parameters", "write_parameters"):
        if spec.get(key) is not None:
            embed[key] = spec[key]
    metadata: JSON = {}
    for field_name, field in fields.items():
        if field_name == text_field:
            continue
        if {k for k, v in field.items() if v is not None} != {"filterable"}:
            raise UnsupportedChange(
                f"index {common['name']}: field {field_name!r} ({field.get('type')}) cannot be created "
                "together with an integrated embedding model in API 2026-07"
            )
        metadata[field_name] = {"filterable": True}
    body: JSON = {**common, "cloud": deployment["cloud"], "region": deployment["region"], "embed": embed}
    if metadata:
        body["schema"] = {"fields": metadata}
    return body


def index_configure_body(
    desired: Mapping[str, Any], live: Mapping[str, Any], paths: Iterable[str] = ()
) -> JSON:
    """The PATCH /indexes/{name} body: only the mutable fields that differ.

    Tags merge on the server, so a tag missing from `desired` is sent as "" to delete it. When
    `paths` (the plan's field diffs) are given, only parts they cover are sent, so anything the
    plan leaves alone (`ignore_changes`) is never touched.
    """
    wanted = list(paths)
    body: JSON = {}

    def covered(path: str) -> bool:
        return not wanted or any(_overlaps(path, p) for p in wanted)

    if desired.get("deletion_protection") != live.get("deletion_protection") and covered(
        "deletion_protection"
    ):
        body["deletion_protection"] = desired.get("deletion_protection")
    tags = _tag_patch(desired.get("tags") or {}, live.get("tags") or {})
    tags = {k: v for k, v in tags.items() if covered(f"tags.{k}")}
    if tags:
        body["tags"] = tags
    capacity = desired.get("read_capacity")
    if capacity is not None and capacity != live.get("read_capacity") and covered("read_capacity"):
        body["read_capacity"] = dict(capacity)
    desired_deployment = desired.get("deployment") or {}
    live_deployment = live.get("deployment") or {}
    if desired_deployment.get("deployment_type") == "pod" == live_deployment.get("deployment_type"):
        pods = {
            k: desired_deployment[k]
            for k in ("replicas", "pod_type")
            if desired_deployment.get(k) != live_deployment.get(k) and covered(f"deployment.{k}")
        }
        if pods:
            body["deployment"] = pods
    embedding = _embedding_patch(desired, live, covered)
    if embedding:
        body["schema"] = {"fields": embedding}
    return body


def _tag_patch(desired: Mapping[str, str], live: Mapping[str, str]) -> dict[str, str]:
    patch = {k: v for k, v in desired.items() if live.get(k) != v}
    patch.update({k: "" for k in live if k not in desired})
    return dict(sorted(patch.items()))


def _embedding_patch(desired: Mapping[str, Any], live: Mapping[str, Any], covered: Any) -> JSON:
    """Changed read/write parameters of semantic_text fields whose model stays the same."""
    desired_fields = (desired.get("schema") or {}).get("fields") or {}
    live_fields = (live.get("schema") or {}).get("fields") or {}
    patch: JSON = {}
    for name, field in desired_fields.items():
        before = live_fields.get(name) or {}
        if field.get("type") != SEMANTIC_TEXT or before.get("type") != SEMANTIC_TEXT:
            continue
        if field.get("model") != before.get("model"):
            continue  # a model change is a replace, never a patch
        changed = {
            key: field.get(key) or {}
            for key in ("read_parameters", "write_parameters")
            if (field.get(key) or {}) != (before.get(key) or {}) and covered(f"schema.fields.{name}.{key}")
        }
        if changed:
            patch[name] = {"type": SEMANTIC_TEXT, **changed}
    return patch


def _overlaps(a: str, b: str) -> bool:
    """True when one dotted path is the other or lies below it (whole segments only)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def differing_paths(desired: Any, live: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two canonical values differ (for messages such as a 409 mismatch)."""
    if isinstance(desired, Mapping) and isinstance(live, Mapping):
        paths: list[str] = []
        for key in sorted(set(desired) | set(live), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.extend(differing_paths(desired.get(key), live.get(key), path))
        return paths
    return [] if desired == live else [prefix or "<value>"]
