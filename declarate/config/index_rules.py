"""Semantic rules for one index declaration: name, vectors, embedding, deployment, tags, directives.

Each check returns Diagnostics at the offending node, with what was expected, what was found and a
fix. Checks read the document defensively: a part the JSON Schema already rejected (wrong type,
missing key) is skipped here, never crashed on. Nothing here builds resources; `normalize.py` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from declarate.config.deployment_rules import check_deployment
from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import mapping
from declarate.config.problems import diagnostic, did_you_mean
from declarate.config.schedule_rules import check_backup_schedules
from declarate.config.tag_rules import check_tags
from declarate.diagnostics import Diagnostic
from declarate.model import defaults as d
from declarate.model.address import Kind
from declarate.model.kinds import INDEX_FIELDS, KINDS, Mutability
from declarate.model.sugar import VECTOR_SUGAR, embed_field_name

INDEX_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
VECTOR_TYPES = ("dense_vector", "sparse_vector", "semantic_text")

# The attribute paths `ignore_changes` may name: exactly those the kind table says change in place.
IGNORABLE = tuple(rule.pattern for rule in INDEX_FIELDS if rule.mutability is Mutability.IN_PLACE)


def is_int(value: Any) -> bool:
    """An integer that is not a bool: YAML `true` is not a count."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_index(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    """Every rule about one index item at `path` (e.g. ("indexes", 0))."""
    found: list[Diagnostic] = []
    found += _name(doc, path, index)
    if index.get("ensure") in ("unmanaged", "absent"):
        # Only its name says which live index to let go of or delete: nothing else of it is planned or
        # sent, so `{name: x, ensure: absent}` needs no vectors (the schema still checks what is written).
        return found + _schedules_let_go(doc, path, index)
    found += _sugar_conflicts(doc, path, index)
    if isinstance(index.get("embed"), dict):
        found += _embed(doc, (*path, "embed"), index["embed"])
    if "schema" in index:
        found += _schema(doc, (*path, "schema"), index)
    elif "embed" not in index:
        found += _vector_sugar(doc, path, index)
    found += check_deployment(doc, path, index)
    if isinstance(index.get("tags"), dict):
        found += check_tags(doc, (*path, "tags"), index["tags"])
    if isinstance(index.get("ignore_changes"), list):
        found += _ignore_changes(doc, (*path, "ignore_changes"), index["ignore_changes"])
    found += check_backup_schedules(doc, path, index)
    return found


def _name(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    name = index.get("name")
    if not isinstance(name, str) or (len(name) <= d.INDEX_NAME_MAX and INDEX_NAME.match(name)):
        return []
    suggestion = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[: d.INDEX_NAME_MAX].strip("-")
    return [
        diagnostic(
            doc,
            (*path, "name"),
            f"an index name must be 1-{d.INDEX_NAME_MAX} characters of a-z, 0-9 and '-', not starting "
            f"or ending with '-'; found {name!r}",
            "rules.index_name",
            hint=f"e.g. {suggestion!r}" if suggestion else None,
        )
    ]


def _sugar_conflicts(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    """A part given both as sugar and in canonical form is ambiguous: which one is meant?"""
    found: list[Diagnostic] = []
    fields = mapping(mapping(index.get("schema")).get("fields"))
    for key in VECTOR_SUGAR:
        if key in index and "schema" in index:
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"'{key}' and 'schema' both describe the vectors: give one of them",
                    "rules.sugar_conflict",
                    hint=f"remove '{key}' and set it on the vector field in schema.fields, or remove 'schema'",
                    on_key=True,
                )
            )
        if key in index and "embed" in index:
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"'{key}' and 'embed' both describe the vectors: the embedding model defines them",
                    "rules.sugar_conflict",
                    hint=f"remove '{key}', or set it inside 'embed'",
                    on_key=True,
                )
            )
    if "spec" in index and "deployment" in index:
        found.append(
            diagnostic(
                doc,
                (*path, "spec"),
                "'spec' and 'deployment' both say where the index runs: give one of them",
                "rules.sugar_conflict",
                hint="keep 'deployment' (the 2026-07 form) or 'spec', not both",
                on_key=True,
            )
        )
    vectors = sorted(n for n, f in fields.items() if mapping(f).get("type") in VECTOR_TYPES)
    if "embed" in index and vectors:
        found.append(
            diagnostic(
                doc,
                (*path, "embed"),
                "'embed' and a schema with vector fields both describe the vectors; found "
                + ", ".join(f"schema.fields.{n}" for n in vectors),
                "rules.sugar_conflict",
                hint="remove 'embed', or keep only string (full-text) fields in the schema",
                on_key=True,
            )
        )
    return found


def _dimension(doc: SourceDocument, path: Path, value: Any) -> list[Diagnostic]:
    if not is_int(value) or d.DIMENSION_MIN <= value <= d.DIMENSION_MAX:
        return []
    return [
        diagnostic(
            doc,
            path,
            f"dimension must be between {d.DIMENSION_MIN} and {d.DIMENSION_MAX}; found {value}",
            "rules.dimension",
        )
    ]


def _vector_sugar(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    if index.get("vector_type") == "sparse":
        found: list[Diagnostic] = []
        if "dimension" in index:
            found.append(
                diagnostic(
                    doc,
                    (*path, "dimension"),
                    "a sparse index has no dimension; found dimension "
                    f"{index['dimension']!r} with vector_type: sparse",
                    "rules.sparse",
                    hint="remove 'dimension', or use vector_type: dense",
                    on_key=True,
                )
            )
        metric = index.get("metric")
        if metric is not None and metric != "dotproduct":
            found.append(
                diagnostic(
                    doc,
                    (*path, "metric"),
                    f"a sparse index needs metric dotproduct; found {metric!r}",
                    "rules.sparse",
                    hint="set metric: dotproduct (or leave it out)",
                )
            )
        return found
    if "dimension" not in index:
        return [
            diagnostic(
                doc,
                path,
                "a dense index needs a dimension; found none",
                "rules.dimension",
                hint="add e.g. 'dimension: 1536', or use vector_type: sparse, 'embed' or 'schema'",
            )
        ]
    return _dimension(doc, (*path, "dimension"), index["dimension"])


def _schema(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    fields = mapping(index.get("schema")).get("fields")
    if not isinstance(fields, dict):
        return []
    found: list[Diagnostic] = []
    by_type: dict[str, list[str]] = {}
    for name, field in fields.items():
        if not isinstance(field, dict):
            continue
        by_type.setdefault(str(field.get("type")), []).append(str(name))
        field_path: Path = (*path, "fields", name)
        if field.get("type") == "dense_vector":
            if "dimension" not in field:
                found.append(
                    diagnostic(
                        doc,
                        field_path,
                        f"dense_vector field {name!r} needs a dimension; found none",
                        "rules.dimension",
                        hint="add e.g. 'dimension: 1536'",
                    )
                )
            found += _dimension(doc, (*field_path, "dimension"), field.get("dimension"))
        elif field.get("type") == "semantic_text":
            found += _embed_model(doc, field_path, field)
    for kind in ("dense_vector", "sparse_vector", "semantic_text"):
        if len(by_type.get(kind, [])) > 1:
            found.append(
                diagnostic(
                    doc,
                    (*path, "fields"),
                    f"an index has at most one {kind} field; found {', '.join(by_type[kind])}",
                    "rules.schema_fields",
                )
            )
    reserved = [n for n in fields if str(n) in (d.DENSE_FIELD, d.SPARSE_FIELD)]
    others = [n for n in fields if str(n) not in (d.DENSE_FIELD, d.SPARSE_FIELD)]
    if reserved and others:
        found.append(
            diagnostic(
                doc,
                (*path, "fields"),
                f"{', '.join(reserved)} make a classic vector index and cannot be combined with other "
                f"fields; found {', '.join(str(n) for n in others)}",
                "rules.schema_fields",
                hint="rename the vector field (e.g. 'embedding') or drop the other fields",
            )
        )
    return found


def _embed(doc: SourceDocument, path: Path, embed: Mapping[str, Any]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if embed_field_name(embed) is None:
        found.append(
            diagnostic(
                doc,
                (*path, "field_map") if "field_map" in embed else path,
                "embed needs field_map.text, the document field to embed; found none",
                "rules.embed",
                hint="add e.g. 'field_map: {text: chunk_text}'",
            )
        )
    return found + _embed_model(doc, path, embed)


def _embed_model(doc: SourceDocument, path: Path, embed: Mapping[str, Any]) -> list[Diagnostic]:
    """Known models fill metric and dimension; others must give them (a sparse model: no dimension)."""
    model_name = embed.get("model")
    if not isinstance(model_name, str):
        return []
    model = d.EMBED_MODELS.get(model_name)
    found = _dimension(doc, (*path, "dimension"), embed.get("dimension"))
    if model is not None and model.dimension is None:
        if "dimension" in embed:
            found.append(
                diagnostic(
                    doc,
                    (*path, "dimension"),
                    f"{model_name} produces sparse vectors, which have no dimension; "
                    f"found dimension {embed['dimension']!r}",
                    "rules.embed",
                    hint="remove 'dimension'",
                    on_key=True,
                )
            )
        if embed.get("metric") not in (None, model.metric):
            found.append(
                diagnostic(
                    doc,
                    (*path, "metric"),
                    f"{model_name} produces sparse vectors, which need metric {model.metric}; "
                    f"found {embed['metric']!r}",
                    "rules.embed",
                )
            )
    if model is None:
        missing = [k for k in ("metric", "dimension") if k not in embed]
        if embed.get("metric") == "dotproduct" and missing == ["dimension"]:
            missing = []  # an unknown sparse model: dotproduct and no dimension is its whole shape
        if missing:
            known = ", ".join(sorted(d.EMBED_MODELS))
            found.append(
                diagnostic(
                    doc,
                    (*path, "model"),
                    f"model {model_name!r} is not one declarate knows ({known}), so it must give "
                    f"{' and '.join(missing)}; found none",
                    "rules.embed",
                    hint=did_you_mean(model_name, list(d.EMBED_MODELS))
                    or "add metric and dimension (a sparse model: metric dotproduct and no dimension)",
                )
            )
    return found


def _ignore_changes(doc: SourceDocument, path: Path, paths: list[Any]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    index_kind = KINDS[Kind.INDEX]
    for i, attr in enumerate(paths):
        if not isinstance(attr, str):
            continue
        if not any(rule.matches(attr) for rule in INDEX_FIELDS):
            found.append(
                diagnostic(
                    doc,
                    (*path, i),
                    f"{attr!r} is not an index attribute that can change in place; expected one of "
                    + ", ".join(IGNORABLE).replace("*", "NAME"),
                    "rules.ignore_changes",
                    hint=did_you_mean(attr, list(IGNORABLE)),
                )
            )
            continue
        rule = index_kind.rule_for(attr)
        if rule.mutability is not Mutability.IN_PLACE:
            found.append(
                diagnostic(
                    doc,
                    (*path, i),
                    f"{attr!r} cannot be ignored: {rule.reason}, so a change to it is never left to "
                    "another owner",
                    "rules.ignore_changes",
                    hint="remove it from ignore_changes; to accept the data loss of a change, set "
                    "allow_replace: true",
                )
            )
    return found


def _schedules_let_go(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    """`backup_schedules` on an index declared `ensure: unmanaged` or `absent`: never planned, so a
    declared schedule would silently not exist and an undeclared one silently stay."""
    if "backup_schedules" not in index:
        return []
    ensure = index.get("ensure")
    return [
        diagnostic(
            doc,
            (*path, "backup_schedules"),
            f"ensure: {ensure} lets go of this index, so its backup_schedules are not managed: none of "
            "them would be created, changed or deleted",
            "rules.schedules_of_let_go_index",
            hint="remove backup_schedules, or remove ensure to keep managing the index",
            on_key=True,
        )
    ]
