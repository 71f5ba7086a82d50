"""Checks recorded responses against the response schemas of the 2026-07 OpenAPI specs.

The specs are OpenAPI 3.0 documents; this module converts their schemas to JSON Schema
(``nullable: true`` becomes "or null", ``x-enum`` becomes ``enum`` so undocumented values are
caught, ``discriminator``/``example``/``readOnly`` are dropped) and validates each recorded
``(operation, status, content type, body)`` against the schema the spec declares for that
operation and status (``4XX``/``default`` as fallbacks). Test support only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

# Vendored so that the tests read nothing outside the repository (DESIGN §9.4).
SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "pinecone-api"
SPEC_FILES = (
    "oauth_2026-07.oas.yaml",
    "admin_2026-07.oas.yaml",
    "db_control_2026-07.oas.yaml",
    "db_data_2026-07.oas.yaml",
)
_DROPPED = {
    "example",
    "examples",
    "discriminator",
    "xml",
    "externalDocs",
    "readOnly",
    "writeOnly",
    "x-component-name",
    "deprecated",
    "nullable",
    "x-enum",
}
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions"}


def spec_dir() -> Path:
    """Where the spec files are: the copy vendored in this repository (see its README for the source)."""
    return SPEC_DIR


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema (or any part of a spec) as JSON Schema."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: to_json_schema(item) for name, item in value.items()}
        else:
            out[key] = to_json_schema(value)
    if "x-enum" in node and "enum" not in node:
        out["enum"] = list(node["x-enum"])
    if node.get("nullable"):
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return {"anyOf": [{"type": "null"}, out]}
    return out


@dataclass(frozen=True)
class SpecOperation:
    """One operation of a spec and the JSON Schema components it refers to."""

    operation_id: str
    method: str
    path: str
    responses: dict[str, Any]
    components: dict[str, Any]


@functools.cache
def load_operations() -> dict[str, SpecOperation]:
    """Every operation of the three specs, by operationId."""
    directory = spec_dir()
    operations: dict[str, SpecOperation] = {}
    for name in SPEC_FILES:
        document = yaml.safe_load((directory / name).read_text())
        components = to_json_schema(document.get("components", {}))
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                if method == "parameters":
                    continue
                operations[operation["operationId"]] = SpecOperation(
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    responses=operation.get("responses", {}),
                    components=components,
                )
    return operations


def _response_for(operation: SpecOperation, status: int) -> dict[str, Any] | None:
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in operation.responses:
            response: dict[str, Any] = operation.responses[key]
            return response
    return None


# Statuses an operation may answer although its spec does not list them, and why. The body must
# still be a valid ErrorResponse of that spec.
UNDECLARED_BUT_EXPECTED = {
    403: "role checks (PERMISSION_DENIED) apply to every control-plane operation, but the specs list "
    "403 only on some of them (not on list/describe index or the collection reads)",
}


def check_response(operation_id: str | None, status: int, content_type: str, body: Any) -> list[str]:
    """Problems with one recorded response (empty when it conforms)."""
    operations = load_operations()
    if operation_id not in operations:
        return [f"operation {operation_id!r} is not in the specs"]
    operation = operations[operation_id]
    response = _response_for(operation, status)
    where = f"{operation_id} {status}"
    if response is None and status in UNDECLARED_BUT_EXPECTED and not operation.path.startswith("/admin"):
        response = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        }
    if response is None:
        return [f"{where}: status {status} is not declared by the spec"]
    content = response.get("content")
    if not content:
        return [] if body in (None, "") else [f"{where}: the spec declares no body, got {body!r:.200}"]
    media = content_type.split(";")[0].strip().lower()
    if media not in content:
        return [f"{where}: content type {media!r} not declared (spec: {sorted(content)})"]
    schema = to_json_schema(content[media].get("schema", {}))
    schema = {**schema, "components": operation.components}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{where}: {'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message[:300]}"
        for error in validator.iter_errors(body)
    ]


def check_recorded(entries: list[dict[str, Any]]) -> list[str]:
    """Problems with every recorded response (requests that matched no operation are skipped)."""
    problems: list[str] = []
    for entry in entries:
        if entry["operation_id"] is None:
            continue
        problems += check_response(
            entry["operation_id"], entry["status"], entry["content_type"], entry["body"]
        )
    return problems
