"""Canonical forms: one function per kind turns a 2026-07-shaped object into the form that is diffed.

Config normalization (after expanding sugar) and the provider (after reading the API) both call these,
so desired and live values are completed with the same defaults and compare equal when they mean the
same thing. Server-only fields (host, status, ids, timestamps) are dropped here. Stdlib only; these
functions never raise on well-typed input and never see YAML or HTTP.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from declarate.model import defaults as d

JSON = dict[str, Any]


_SCALARS = (str, int, float, bool)


def strip_none(value: Any) -> Any:
    """A deep copy of `value` without None-valued mapping entries."""
    # Scalars, then plain dicts and lists: this runs on every node of every index (config and live),
    # and the ABC checks below are slow.
    if type(value) in _SCALARS:
        return value
    if type(value) is dict or isinstance(value, Mapping):
        return {str(k): strip_none(v) for k, v in value.items() if v is not None}
    if type(value) is list or isinstance(value, tuple):
        return [strip_none(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON text: sorted keys, no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(value: Any) -> str:
    """A short, stable digest of a canonical value (used by saved plans to detect staleness)."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:16]


def canonical_project(raw: Mapping[str, Any]) -> JSON:
    """{name, max_pods, force_encryption_with_cmek} with API defaults."""
    max_pods = raw.get("max_pods")
    cmek = raw.get("force_encryption_with_cmek")
    return {
        "name": raw["name"],
        "max_pods": d.DEFAULT_MAX_PODS if max_pods is None else int(max_pods),
        "force_encryption_with_cmek": d.DEFAULT_FORCE_ENCRYPTION_WITH_CMEK if cmek is None else bool(cmek),
    }


def canonical_api_key(raw: Mapping[str, Any]) -> JSON:
    """{name, roles}; roles are a sorted set, defaulting to the API's ["ProjectEditor"]."""
    roles = raw.get("roles")
    return {"name": raw["name"], "roles": sorted(set(roles if roles else d.DEFAULT_API_KEY_ROLES))}


def canonical_service_account(raw: Mapping[str, Any]) -> JSON:
    return {"name": raw["name"]}


def canonical_role_binding(project: str | None, principal_type: str, principal: str, role: str) -> JSON:
    """Every attribute of a role binding is identity; this is what both sides compare."""
    return {"project": project, "principal_type": principal_type, "principal": principal, "role": role}


def canonical_backup_schedule(raw: Mapping[str, Any]) -> JSON:
    """{name, frequency, retain_days, enabled}: a schedule in the config's words, enabled by default."""
    enabled = raw.get("enabled")
    return {
        "name": raw["name"],
        "frequency": str(raw["frequency"]),
        "retain_days": int(raw["retain_days"]),
        "enabled": d.DEFAULT_SCHEDULE_ENABLED if enabled is None else bool(enabled),
    }


def canonical_index(raw: Mapping[str, Any]) -> JSON:
    """An index in the 2026-07 shape with every API default filled in and server fields removed.

    `raw` has `name` and `schema.fields` and may have `deployment`, `read_capacity`,
    `deletion_protection` and `tags` (a describe-index body, or desugared config).
    """
    deployment = canonical_deployment(raw.get("deployment"))
    fields = _without_implied_sparse((raw.get("schema") or {}).get("fields") or {})
    result: JSON = {
        "name": raw["name"],
        "schema": {"fields": {str(n): canonical_schema_field(f) for n, f in sorted(fields.items())}},
        "deployment": deployment,
        "deletion_protection": raw.get("deletion_protection") or d.DEFAULT_DELETION_PROTECTION,
        "tags": {str(k): str(v) for k, v in sorted((raw.get("tags") or {}).items())},
    }
    read_capacity = canonical_read_capacity(raw.get("read_capacity"), deployment)
    if read_capacity is not None:
        result["read_capacity"] = read_capacity
    return result


def _without_implied_sparse(fields: Mapping[str, Any]) -> Mapping[str, Any]:
    """Leave out a bare `_sparse_values` beside a dense `_values` field.

    API 2026-07 reports both on every dense vectors-API index however it was created, so declaring
    the sparse field or not means the same index; without this, every classic dense index would
    plan a replace.
    """
    dense = fields.get(d.DENSE_FIELD)
    sparse = fields.get(d.SPARSE_FIELD)
    if not (isinstance(dense, Mapping) and isinstance(sparse, Mapping)):
        return fields
    bare_sparse = {k for k, v in sparse.items() if v is not None} <= {"type"}
    if dense.get("type") == "dense_vector" and sparse.get("type") == "sparse_vector" and bare_sparse:
        return {k: v for k, v in fields.items() if k != d.SPARSE_FIELD}
    return fields


def canonical_deployment(raw: Mapping[str, Any] | None) -> JSON:
    """Managed (serverless) on aws us-east-1 when omitted, as the API does."""
    if not raw:
        return {"deployment_type": "managed", "cloud": d.DEFAULT_CLOUD, "region": d.DEFAULT_REGION}
    kind = raw.get("deployment_type", "managed")
    if kind == "pod":
        return {
            "deployment_type": "pod",
            "environment": raw.get("environment"),
            "pod_type": raw.get("pod_type") or d.DEFAULT_POD_TYPE,
            "replicas": int(raw.get("replicas") or d.DEFAULT_POD_REPLICAS),
            "shards": int(raw.get("shards") or d.DEFAULT_POD_SHARDS),
        }
    if kind == "byoc":
        return {"deployment_type": "byoc", "environment": raw.get("environment")}
    # `environment` of a managed deployment is read-only, filled in by the server: not configuration.
    return {
        "deployment_type": "managed",
        "cloud": raw.get("cloud") or d.DEFAULT_CLOUD,
        "region": raw.get("region") or d.DEFAULT_REGION,
    }


def canonical_read_capacity(raw: Mapping[str, Any] | None, deployment: Mapping[str, Any]) -> JSON | None:
    """OnDemand when omitted on a managed index; None where read capacity does not apply (pods)."""
    if deployment.get("deployment_type") == "pod":
        return None
    if not raw:
        if deployment.get("deployment_type") == "byoc":
            return None
        return dict(d.DEFAULT_READ_CAPACITY)
    mode = raw.get("mode", "OnDemand")
    if mode != "Dedicated":
        return {"mode": mode}
    dedicated = strip_none(raw.get("dedicated") or {})
    return {"mode": "Dedicated", "dedicated": dedicated}


def canonical_schema_field(raw: Mapping[str, Any]) -> JSON:
    """One schema field with its type's defaults applied; unknown field types pass through."""
    field: JSON = strip_none(dict(raw))
    kind = field.get("type")
    if kind == "dense_vector":
        field.setdefault("metric", d.DEFAULT_METRIC)
    elif kind == "string" and "full_text_search" in field:
        fts = {**d.DEFAULT_FULL_TEXT_SEARCH, **(field["full_text_search"] or {})}
        if "ngram" in fts:
            fts["ngram"] = {"prefix_only": d.DEFAULT_NGRAM_PREFIX_ONLY, **fts["ngram"]}
        field["full_text_search"] = fts
    elif kind == "semantic_text":
        model = d.EMBED_MODELS.get(str(field.get("model")))
        if model is not None:
            field.setdefault("metric", model.metric)
            if model.dimension is not None:
                field.setdefault("dimension", model.dimension)
        for params in ("read_parameters", "write_parameters"):
            if not field.get(params):
                field.pop(params, None)
    return {k: field[k] for k in sorted(field)}
