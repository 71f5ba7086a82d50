"""Index configuration rules: schema fields, deployment, read capacity, integrated embedding.

Turns the (already shape-checked) parts of create and configure requests into the stored form,
which is the response form of ``IndexModel`` (defaults filled in, classic dense indexes reporting
``_values`` and ``_sparse_values``), raising 400/404/412 for requests that break the 2026-07 rules.
Pure functions: no storage, no permissions.
"""

from __future__ import annotations

from typing import Any

from .. import catalog, field_rules
from ..errors import bad_request, failed_precondition

RESERVED_DENSE = "_values"
RESERVED_SPARSE = "_sparse_values"
_METADATA_TYPES = ("float", "number", "integer", "boolean", "string_list")
_EMPTY_SCHEMA = (
    "Schema must contain at least one of the following field types: dense_vector, sparse_vector, "
    "string with full_text_search"
)


def _full_text_search(raw: dict[str, Any], field: str) -> dict[str, Any]:
    language = raw.get("language", "en")
    field_rules.one_of(language, catalog.FTS_LANGUAGES, f"{field}.full_text_search.language")
    stemming = bool(raw.get("stemming", False))
    stop_words = bool(raw.get("stop_words", False))
    if stop_words and not stemming:
        raise bad_request(f"{field}: full_text_search.stop_words requires stemming: true.")
    config: dict[str, Any] = {"language": language, "stemming": stemming, "stop_words": stop_words}
    ngram = raw.get("ngram")
    if ngram is not None:
        if stemming or stop_words:
            raise bad_request(
                f"{field}: full_text_search.ngram cannot be combined with stemming or stop_words."
            )
        low, high = ngram["min_gram"], ngram["max_gram"]
        if not (1 <= low <= 10 and 1 <= high <= 10 and low <= high):
            raise bad_request(f"{field}: ngram needs 1 <= min_gram <= max_gram <= 10, got {low} and {high}.")
        config["ngram"] = {
            "min_gram": low,
            "max_gram": high,
            "prefix_only": bool(ngram.get("prefix_only", False)),
        }
    return config


def _field(name: str, raw: dict[str, Any], reserved: bool) -> dict[str, Any]:
    where = f"schema.fields.{name}"
    kind = raw["type"]
    if kind == "semantic_text":
        raise bad_request(
            f"{where}: semantic_text fields cannot be declared in a schema; create the index "
            "with an integrated embedding model through POST /indexes/create-for-model."
        )
    if kind in _METADATA_TYPES or (kind == "string" and raw.get("full_text_search") is None):
        raise bad_request(
            f"{where}: {kind} fields without full_text_search are metadata; metadata is not "
            "declared in the schema, it is indexed automatically from the documents you upsert."
        )
    out: dict[str, Any] = {"type": kind}
    if raw.get("description") is not None:
        if reserved:
            raise bad_request(f"{where}: reserved fields do not accept a description.")
        field_rules.description(raw["description"], f"{where}.description")
        out["description"] = raw["description"]
    if kind == "dense_vector":
        field_rules.dimension(raw["dimension"], f"{where}.dimension")
        field_rules.metric(raw["metric"], f"{where}.metric")
        out.update(dimension=raw["dimension"], metric=raw["metric"])
    elif kind == "sparse_vector":
        if raw.get("dimension") is not None:
            raise bad_request(f"{where}: sparse vectors have no dimension.")
        if raw.get("metric", "dotproduct") != "dotproduct":
            raise bad_request(f"{where}: sparse vectors only support the dotproduct metric.")
    else:
        out["full_text_search"] = _full_text_search(raw["full_text_search"], where)
    return out


def create_schema(
    fields: dict[str, dict[str, Any]], cmek_id: str | None, project_cmek: bool
) -> dict[str, Any]:
    """Stored schema fields of a create request."""
    if not fields:
        raise bad_request(_EMPTY_SCHEMA)
    reserved = {name for name in fields if name.startswith("_")}
    if reserved - {RESERVED_DENSE, RESERVED_SPARSE} or (reserved and reserved != set(fields)):
        raise bad_request(
            "Field names starting with '_' are reserved: only _values (dense_vector) and/or "
            "_sparse_values (sparse_vector) are accepted, and only as the whole schema."
        )
    expected = {RESERVED_DENSE: "dense_vector", RESERVED_SPARSE: "sparse_vector"}
    out: dict[str, Any] = {}
    for name, raw in fields.items():
        if name in reserved and raw["type"] != expected[name]:
            raise bad_request(f"schema.fields.{name} must be of type {expected[name]}.")
        if name not in reserved:
            field_rules.field_name(name, f"schema.fields.{name}")
        out[name] = _field(name, raw, name in reserved)
    kinds = [field["type"] for field in out.values()]
    if kinds.count("dense_vector") > 1 or kinds.count("sparse_vector") > 1:
        raise bad_request("A schema holds at most one dense_vector and one sparse_vector field.")
    searchable = kinds.count("string")
    if searchable > 100:
        raise bad_request("A schema holds at most 100 full_text_search fields.")
    if searchable and cmek_id:
        raise bad_request("Encrypted indexes (cmek_id) cannot have full_text_search fields.")
    if searchable and project_cmek:
        raise failed_precondition(
            "Index creation failed. Indexes with full_text_search fields are not supported "
            "in CMEK-encrypted projects"
        )
    if set(out) == {RESERVED_DENSE}:
        out[RESERVED_SPARSE] = {"type": "sparse_vector"}
    return out


def create_deployment(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Stored deployment of a create request (managed aws us-east-1 when omitted)."""
    if raw is None:
        return {
            "deployment_type": "managed",
            "cloud": catalog.DEFAULT_CLOUD,
            "region": catalog.DEFAULT_REGION,
        }
    if raw["deployment_type"] == "byoc":
        if not raw["environment"]:
            raise bad_request("deployment.environment must not be empty.")
        return {"deployment_type": "byoc", "environment": raw["environment"]}
    if raw.get("environment") is not None:
        raise bad_request("deployment.environment is read-only: do not set it when creating an index.")
    field_rules.serverless_location(raw["cloud"], raw["region"])
    return {"deployment_type": "managed", "cloud": raw["cloud"], "region": raw["region"]}


def environment(deployment: dict[str, Any]) -> str:
    """The environment an index's host names."""
    if deployment["deployment_type"] == "managed":
        return catalog.environment_of(deployment["cloud"], deployment["region"])
    return str(deployment["environment"])


def _dedicated(config: dict[str, Any]) -> dict[str, Any]:
    field_rules.one_of(config["node_type"], catalog.READ_NODE_TYPES, "read_capacity.dedicated.node_type")
    field_rules.one_of(config["scaling"], catalog.READ_SCALING_MODES, "read_capacity.dedicated.scaling")
    manual = config["manual"]
    field_rules.replicas(manual["replicas"], "read_capacity.dedicated.manual.replicas", minimum=0)
    field_rules.replicas(manual["shards"], "read_capacity.dedicated.manual.shards")
    return {
        "node_type": config["node_type"],
        "scaling": config["scaling"],
        "manual": {"replicas": manual["replicas"], "shards": manual["shards"]},
    }


def create_read_capacity(raw: dict[str, Any] | None, deployment: dict[str, Any]) -> dict[str, Any]:
    """Stored read capacity of a create request (OnDemand when omitted)."""
    byoc = deployment["deployment_type"] == "byoc"
    if raw is None or raw["mode"] == "OnDemand":
        if byoc:
            raise bad_request(
                "BYOC indexes do not support OnDemand read capacity: set read_capacity mode Dedicated."
            )
        return {"mode": "OnDemand"}
    return {"mode": "Dedicated", "dedicated": _dedicated(raw["dedicated"])}


def patched_read_capacity(
    current: dict[str, Any] | None, patch: dict[str, Any], deployment: dict[str, Any]
) -> dict[str, Any]:
    """Read capacity after a configure (omitted fields keep their value)."""
    if current is None or deployment["deployment_type"] == "pod":
        raise bad_request("read_capacity does not apply to pod-based indexes.")
    if patch["mode"] == "OnDemand":
        return create_read_capacity(patch, deployment)
    change = patch["dedicated"]
    if ("scaling" in change) != ("manual" in change):
        raise bad_request(
            "read_capacity.dedicated.scaling and manual must be sent together "
            "(scaling: Manual with a manual block)."
        )
    if current["mode"] == "OnDemand":
        manual = change.get("manual") or {}
        if "node_type" not in change or "scaling" not in change or {"replicas", "shards"} - set(manual):
            raise bad_request(
                "Moving from OnDemand to Dedicated needs node_type, scaling and manual (replicas and shards)."
            )
        return {"mode": "Dedicated", "dedicated": _dedicated(change)}
    merged = dict(current["dedicated"])
    merged["manual"] = {**merged["manual"], **(change.get("manual") or {})}
    for key in ("node_type", "scaling"):
        if key in change:
            merged[key] = change[key]
    return {"mode": "Dedicated", "dedicated": _dedicated(merged)}


def model_schema(embed: dict[str, Any], metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Stored schema of a create-for-model request: a ``semantic_text`` field plus filterable metadata."""
    model = catalog.EMBEDDING_MODELS.get(embed["model"])
    if model is None:
        known = ", ".join(sorted(catalog.EMBEDDING_MODELS))
        raise bad_request(f"Model '{embed['model']}' is not supported. Supported models: {known}.")
    text_field = embed["field_map"].get("text")
    if not isinstance(text_field, str) or not text_field:
        raise bad_request("embed.field_map must map 'text' to the name of the field to embed.")
    field_rules.field_name(text_field, "embed.field_map.text")
    metric = embed.get("metric") or model.default_metric
    field_rules.one_of(metric, model.metrics, f"embed.metric for {model.name}")
    dimension = embed.get("dimension")
    if model.vector_type == "sparse":
        if dimension is not None:
            raise bad_request(f"Model {model.name} produces sparse vectors: embed.dimension must be omitted.")
    else:
        dimension = dimension or model.default_dimension
        if dimension not in model.dimensions:
            raise bad_request(
                f"Model {model.name} supports dimensions {list(model.dimensions)}, got {dimension}."
            )
    fields: dict[str, Any] = {
        text_field: {
            "type": "semantic_text",
            "model": model.name,
            "dimension": dimension,
            "metric": metric,
            "write_parameters": embed.get("write_parameters"),
            "read_parameters": embed.get("read_parameters"),
        }
    }
    declared = (metadata or {}).get("fields") or {}
    if len(declared) > 50:
        raise bad_request("schema.fields can declare at most 50 metadata fields.")
    for name, config in declared.items():
        field_rules.field_name(name, f"schema.fields.{name}")
        if config.get("filterable") is not True:
            raise bad_request(
                f"Field '{name}' is set to filterable: false. Only filterable: true is supported."
            )
        if name == text_field:
            raise bad_request(f"schema.fields.{name} clashes with the embedded text field.")
        fields[name] = {"filterable": True}
    return fields


def patched_semantic_fields(fields: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Schema after a configure of ``semantic_text`` parameters (the model never changes)."""
    if len(patch) != 1:
        raise bad_request("schema.fields must name exactly one semantic_text field.")
    ((name, change),) = patch.items()
    current = fields.get(name)
    if current is None or current.get("type") != "semantic_text":
        raise bad_request(f"schema.fields.{name} is not a semantic_text field of this index.")
    if change["type"] != "semantic_text":
        raise bad_request(f"schema.fields.{name}.type must be semantic_text.")
    if change.get("model") is not None and change["model"] != current["model"]:
        raise bad_request(f"The embedding model of {name} cannot be changed (it is {current['model']}).")
    updated = dict(current)
    for key in ("write_parameters", "read_parameters"):
        if key in change:
            updated[key] = change[key]
    return {**fields, name: updated}
