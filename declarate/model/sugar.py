"""The sugar table: each short spelling of an index, described once and read three ways.

A row is one sugar form (`dimension`/`metric`, `vector_type: sparse`, `embed`, `spec.serverless`,
`spec.pod`, `spec.byoc`). It says which canonical part it stands for (`schema.fields` or
`deployment`), when an index item uses it, how it expands into that part, which canonical attribute
paths its config paths spell (where each normalized value came from, and the words a field diff is
shown in), and how export writes a canonical part back in it. Normalization, origin mapping and plan
wording (`config/normalize.py`, through `Resource.spellings`) and export (`render/export.py`) read
this table and nothing else about sugar, so a form cannot be half-added.

Stdlib only. It never validates (the config rules do, and skip what the schema rejected) and never
sees YAML positions: normalization places each `Spelling` with them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Protocol

from declarate.model import defaults as d
from declarate.model.canonical import JSON

FIELDS = "schema.fields"  # the canonical part the vector sugar forms stand for
DEPLOYMENT = "deployment"  # and the one the `spec` forms stand for


class Place(enum.Enum):
    """How a spelling finds the config node a canonical attribute path came from."""

    NODE = "node"  # the value written at the config path
    TREE = "tree"  # that value and, key for key, every value below it
    KEY = "key"  # the key of the config path: `spec.serverless` itself says the deployment type
    FIRST = "first"  # the value at the config path, unless an earlier FIRST spelling placed the path


@dataclass(frozen=True)
class Spelling:
    """Canonical attribute path `canonical` is written at config path `written` (inside the index item)."""

    canonical: str  # e.g. "schema.fields._values.dimension"
    written: str  # e.g. "dimension", "spec.serverless" (dotted, relative to the index item)
    place: Place = Place.TREE
    shown: bool = True  # a field diff under `canonical` is shown under `written` (FieldDiff.shown_as)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """`written` as config keys, split once: every index item using the form is placed with them."""
        return tuple(self.written.split("."))


class SugarForm(Protocol):
    """One row of the table."""

    @property
    def name(self) -> str:
        """How the row is known (docs, test ids): `spec.pod`, `embed`."""

    @property
    def part(self) -> str:
        """The canonical part it stands for: FIELDS or DEPLOYMENT."""

    def used_by(self, index: Mapping[str, Any]) -> bool:
        """True when the config item `index` spells its part in this form (it wins over others)."""

    def expand(self, index: Mapping[str, Any]) -> JSON:
        """The part (`schema.fields`, or `deployment`) the item says, before canonical defaults."""

    def spellings(self, index: Mapping[str, Any]) -> tuple[Spelling, ...]:
        """Which canonical paths the item's config paths spell, in the order they are placed."""

    def resugar(self, part: Mapping[str, Any]) -> JSON | None:
        """The config keys that say the canonical `part` in this form, or None when they cannot
        say it without loss (export then tries the next row, and writes the canonical form last)."""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def embed_field_name(embed: Mapping[str, Any]) -> str | None:
    """The semantic_text field an `embed` block becomes: named after its `field_map.text` entry."""
    text = _mapping(embed.get("field_map")).get("text")
    return text if isinstance(text, str) and text else None


# The schema-field attribute each vector sugar key sets on the index's one vector field.
VECTOR_SUGAR_ATTRS: dict[str, str] = {"dimension": "dimension", "metric": "metric", "vector_type": "type"}
VECTOR_SUGAR = tuple(VECTOR_SUGAR_ATTRS)
# An `embed` block's keys that become keys of its semantic_text field (`field_map` names the field).
_EMBED_FIELD_KEYS = ("model", "metric", "dimension", "read_parameters", "write_parameters")


@dataclass(frozen=True)
class _Vectors:
    """`dimension`/`metric` (a dense `_values` field) or `vector_type: sparse` (`_sparse_values`)."""

    name: str
    sparse: bool
    part: str = FIELDS

    @property
    def field(self) -> str:
        return d.SPARSE_FIELD if self.sparse else d.DENSE_FIELD

    def used_by(self, index: Mapping[str, Any]) -> bool:
        # Without `schema` or `embed` an index is these forms, even with none of their keys written.
        no_other = not isinstance(index.get("embed"), dict) and "schema" not in index
        return no_other and (index.get("vector_type") == "sparse") == self.sparse

    def expand(self, index: Mapping[str, Any]) -> JSON:
        if self.sparse:
            return {self.field: {"type": "sparse_vector"}}
        dense: JSON = {"type": "dense_vector", "metric": index.get("metric") or d.DEFAULT_METRIC}
        if index.get("dimension") is not None:
            dense["dimension"] = index["dimension"]
        return {self.field: dense}

    def spellings(self, index: Mapping[str, Any]) -> tuple[Spelling, ...]:
        return self._spellings  # the same for every item using the form

    @cached_property
    def _spellings(self) -> tuple[Spelling, ...]:
        field = f"{FIELDS}.{self.field}"
        each = [Spelling(f"{field}.{attr}", key, Place.NODE) for key, attr in VECTOR_SUGAR_ATTRS.items()]
        # The field as a whole (its type, defaults) is placed on the first vector key written.
        whole = [
            Spelling(field, key, Place.FIRST, shown=False) for key in ("dimension", "vector_type", "metric")
        ]
        return (*each, *whole)

    def resugar(self, part: Mapping[str, Any]) -> JSON | None:
        if set(part) != {self.field}:
            return None
        field = part[self.field]
        if self.sparse:
            return {"vector_type": "sparse", "metric": "dotproduct"} if set(field) == {"type"} else None
        if set(field) == {"type", "dimension", "metric"}:
            return {"dimension": field["dimension"], "metric": field["metric"]}
        return None


@lru_cache(maxsize=1024)
def _embed_spellings(name: str) -> tuple[Spelling, ...]:
    """The spellings of an `embed` block whose field is `name` (made once per field name)."""
    field = f"{FIELDS}.{name}"
    return (
        Spelling(field, "embed", Place.NODE),
        Spelling(f"{field}.model", "embed.model", Place.NODE, shown=False),
        *(Spelling(f"{field}.{key}", f"embed.{key}", shown=False) for key in _EMBED_FIELD_KEYS[1:]),
    )


@dataclass(frozen=True)
class _Embed:
    """`embed: {model, field_map: {text: NAME}, ...}`: a semantic_text field NAME (beside any
    full-text fields of a `schema` written with it)."""

    name: str = "embed"
    part: str = FIELDS

    def used_by(self, index: Mapping[str, Any]) -> bool:
        return isinstance(index.get("embed"), dict)

    def expand(self, index: Mapping[str, Any]) -> JSON:
        fields: JSON = dict(_mapping(_mapping(index.get("schema")).get("fields")))
        embed = index["embed"]
        name = embed_field_name(embed)
        if name is not None:
            field: JSON = {"type": "semantic_text"}
            for key in _EMBED_FIELD_KEYS:
                if embed.get(key) is not None:
                    field[key] = embed[key]
            fields[name] = field
        return fields

    def spellings(self, index: Mapping[str, Any]) -> tuple[Spelling, ...]:
        name = embed_field_name(index["embed"])
        return () if name is None else _embed_spellings(name)

    def resugar(self, part: Mapping[str, Any]) -> JSON | None:
        if len(part) != 1:
            return None
        ((name, field),) = part.items()
        if field.get("type") != "semantic_text" or not set(field) <= {"type", *_EMBED_FIELD_KEYS}:
            return None
        embed: JSON = {"model": field["model"], "field_map": {"text": name}}
        # A known model's own metric and dimension are left out: they are what it fills in.
        model = d.EMBED_MODELS.get(str(field["model"]))
        if model is None or field.get("metric") != model.metric:
            embed["metric"] = field.get("metric")
        dimension = field.get("dimension")
        if dimension is not None and (model is None or dimension != model.dimension):
            embed["dimension"] = dimension
        for params in ("read_parameters", "write_parameters"):
            if field.get(params):
                embed[params] = dict(field[params])
        return {"embed": {k: v for k, v in embed.items() if v is not None}}


@dataclass(frozen=True)
class _Spec:
    """`spec: {KEY: {...}}`: a deployment of `deployment_type`; export writes back `exported` keys."""

    key: str
    deployment_type: str
    exported: tuple[str, ...]
    part: str = DEPLOYMENT

    @property
    def name(self) -> str:
        return f"spec.{self.key}"

    def used_by(self, index: Mapping[str, Any]) -> bool:
        return not isinstance(index.get("deployment"), dict) and self.key in _mapping(index.get("spec"))

    def expand(self, index: Mapping[str, Any]) -> JSON:
        return {"deployment_type": self.deployment_type, **_mapping(index["spec"][self.key])}

    def spellings(self, index: Mapping[str, Any]) -> tuple[Spelling, ...]:
        return self._spellings  # the same for every item using the form

    @cached_property
    def _spellings(self) -> tuple[Spelling, ...]:
        return (
            Spelling(DEPLOYMENT, self.name),
            # The sugar key itself says the deployment type (`spec.serverless` is a managed deployment).
            Spelling(f"{DEPLOYMENT}.deployment_type", self.name, Place.KEY),
        )

    def resugar(self, part: Mapping[str, Any]) -> JSON | None:
        if part.get("deployment_type") != self.deployment_type:
            return None
        return {"spec": {self.key: {k: part[k] for k in self.exported if k in part}}}


# In order: the first row an item uses is the one it is read in (`spec.serverless` beside `spec.pod`
# is reported by the rules; the first wins), and export writes a part in the first row that can say it.
SUGAR: tuple[SugarForm, ...] = (
    _Vectors("dimension", sparse=False),
    _Vectors("vector_type: sparse", sparse=True),
    _Embed(),
    _Spec("serverless", "managed", ("cloud", "region")),
    _Spec("pod", "pod", ("environment", "pod_type", "replicas", "shards")),
    _Spec("byoc", "byoc", ("environment",)),
)
PARTS = (FIELDS, DEPLOYMENT)
# `spec` keys and the deployment type each one means, for the rules.
SPEC_KINDS: dict[str, str] = {r.key: r.deployment_type for r in SUGAR if isinstance(r, _Spec)}


# The rows of each part, in table order: form_of runs several times for every index item.
_ROWS_OF: dict[str, tuple[SugarForm, ...]] = {
    part: tuple(r for r in SUGAR if r.part == part) for part in PARTS
}


def form_of(index: Mapping[str, Any], part: str) -> SugarForm | None:
    """The row the config item `index` writes `part` in; None when it uses the canonical form."""
    for row in _ROWS_OF.get(part, ()):
        if row.used_by(index):
            return row
    return None


def spellings_of(index: Mapping[str, Any]) -> tuple[Spelling, ...]:
    """Every spelling of the sugar forms the config item `index` uses, part by part."""
    found: tuple[Spelling, ...] = ()
    for part in PARTS:  # a loop joining the rows' tuples: a generator was slower, for every index
        row = form_of(index, part)
        if row is not None:
            found += row.spellings(index)
    return found


def resugared(part: str, value: Mapping[str, Any]) -> JSON | None:
    """The config keys of the first row that says the canonical `value` of `part` without loss."""
    for row in SUGAR:
        if row.part == part and (keys := row.resugar(value)) is not None:
            return keys
    return None
