"""Validation of data-plane requests, with the limits and messages of the Pinecone API.

What an index accepts comes from its schema (``IndexShape``): a dense index takes values of its
dimension (and sparse values too when its metric is dotproduct: hybrid), a sparse index takes
sparse values only. Ids are 1-512 ASCII characters, metadata at most 40 KB per record of strings,
numbers, booleans and lists of strings, an upsert at most 1,000 records and 2 MB, top_k 1-10,000
(1,000 with values or metadata). Every failure is a 400 ``INVALID_ARGUMENT``. Pure functions.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import bad_request
from .records import Floats, Indices, Record

MAX_ID_LENGTH = 512
MAX_METADATA_BYTES = 40 * 1024
MAX_UPSERT_RECORDS = 1000
MAX_UPSERT_BYTES = 2 * 1024 * 1024
MAX_IDS = 1000
MAX_TOP_K = 10_000
MAX_TOP_K_WITH_DATA = 1000
MAX_SPARSE_ENTRIES = 2048
MAX_NAMESPACE_LENGTH = 512
DEFAULT_NAMESPACE = "__default__"  # how the namespaces API names the default namespace ("")


@dataclass(frozen=True)
class IndexShape:
    """What the records of an index look like, from its schema."""

    dimension: int | None
    metric: str
    sparse: bool  # accepts sparse values

    @property
    def dense(self) -> bool:
        """Whether records carry dense values."""
        return self.dimension is not None

    @property
    def vector_type(self) -> str:
        """``dense`` or ``sparse``."""
        return "dense" if self.dense else "sparse"


def index_shape(fields: dict[str, Any]) -> IndexShape | None:
    """The record shape of an index schema, or ``None`` when it has no vector field."""
    dense = next(
        (
            f
            for f in fields.values()
            if f.get("type") in ("dense_vector", "semantic_text") and f.get("dimension")
        ),
        None,
    )
    has_sparse = any(f.get("type") == "sparse_vector" for f in fields.values())
    if dense is not None:
        metric = str(dense.get("metric") or "cosine")
        return IndexShape(dimension=int(dense["dimension"]), metric=metric, sparse=metric == "dotproduct")
    if has_sparse or any(f.get("type") == "semantic_text" for f in fields.values()):
        return IndexShape(dimension=None, metric="dotproduct", sparse=True)
    return None


def record_id(value: Any, where: str = "id") -> str:
    """A valid record id."""
    if not isinstance(value, str) or not value:
        raise bad_request(f"Invalid {where}: ids must be non-empty strings.")
    if len(value) > MAX_ID_LENGTH:
        raise bad_request(f"Invalid {where}: ID length exceeds the maximum of {MAX_ID_LENGTH} characters.")
    if not value.isascii() or "\x00" in value:
        raise bad_request(f"Invalid {where}: ids must be ASCII (without NUL characters).")
    return value


def record_ids(values: Any, where: str = "ids") -> list[str]:
    """A valid, non-empty list of at most 1,000 ids."""
    if not isinstance(values, list) or not values:
        raise bad_request(f"Invalid {where}: at least one id is required.")
    if len(values) > MAX_IDS:
        raise bad_request(f"Invalid {where}: at most {MAX_IDS} ids per request, got {len(values)}.")
    return [record_id(value, where) for value in values]


def namespace(value: Any) -> str:
    """A valid namespace name (``""`` is the default namespace)."""
    if value is None or value == DEFAULT_NAMESPACE:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NAMESPACE_LENGTH or not value.isascii():
        raise bad_request(f"Invalid namespace: at most {MAX_NAMESPACE_LENGTH} ASCII characters.")
    return value


def dense_values(values: Any, shape: IndexShape, where: str) -> Floats:
    """Dense values as float32, checked against the index."""
    if shape.dimension is None:
        raise bad_request(f"{where}: this is a sparse index; dense values are not supported.")
    if not isinstance(values, list) or not values:
        raise bad_request(f"{where}: dense values must be a non-empty array of numbers.")
    if len(values) != shape.dimension:
        raise bad_request(
            f"Vector dimension {len(values)} does not match the dimension of the index {shape.dimension}"
        )
    try:
        array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise bad_request(f"{where}: dense values must be numbers.") from None
    if array.ndim != 1 or not np.isfinite(array).all():
        raise bad_request(f"{where}: dense values must be finite numbers.")
    if shape.metric == "cosine" and not array.any():
        raise bad_request(f"{where}: dense vectors must contain at least one non-zero value (cosine index).")
    return array


def sparse_values(value: Any, shape: IndexShape, where: str) -> tuple[Indices, Floats]:
    """Sparse values as ``(uint32 indices, float32 values)``, checked against the index."""
    if not shape.sparse:
        raise bad_request(
            f"{where}: sparse values are not supported by this index: only sparse indexes and dense "
            "indexes with the dotproduct metric accept them."
        )
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("indices"), list)
        or not isinstance(value.get("values"), list)
    ):
        raise bad_request(f"{where}: sparse values need 'indices' and 'values' arrays.")
    indices, values = value["indices"], value["values"]
    if len(indices) != len(values):
        raise bad_request(f"{where}: sparse indices and values must have the same length.")
    if not indices or len(indices) > MAX_SPARSE_ENTRIES:
        raise bad_request(f"{where}: sparse values hold 1 to {MAX_SPARSE_ENTRIES} entries.")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 0xFFFFFFFF for i in indices):
        raise bad_request(f"{where}: sparse indices must be integers between 0 and 4294967295.")
    if len(set(indices)) != len(indices):
        raise bad_request(f"{where}: sparse indices must be unique.")
    try:
        array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):
        raise bad_request(f"{where}: sparse values must be numbers.") from None
    if not np.isfinite(array).all():
        raise bad_request(f"{where}: sparse values must be finite numbers.")
    return np.asarray(indices, dtype=np.uint32), array


def metadata(value: Any, where: str) -> dict[str, Any] | None:
    """Record metadata: an object of strings, numbers, booleans and lists of strings, at most 40 KB."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(f"{where}: metadata must be a JSON object.")
    for key, item in value.items():
        plain = isinstance(item, str | bool) or (isinstance(item, int | float) and math.isfinite(item))
        strings = isinstance(item, list) and all(isinstance(element, str) for element in item)
        if not (plain or strings):
            raise bad_request(
                f"{where}: metadata value of {key!r:.60} must be a string, number, boolean or list of strings."
            )
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise bad_request(
            f"Metadata size is {size} bytes, which exceeds the limit of {MAX_METADATA_BYTES} bytes per vector"
        )
    return value or None


def _dense_batch(raw: list[Any], shape: IndexShape) -> Floats | None:
    """The dense values of every record as one float32 matrix, when all of them are valid.

    One conversion for the whole request instead of one per record (10,000 records of 1536
    values: about 0.2 s less). ``None`` when any record's values would fail a check: ``record``
    then converts them one by one and reports the first failure with its position, as before.
    """
    if shape.dimension is None or not raw:
        return None
    values: list[Any] = [item.get("values") if isinstance(item, dict) else None for item in raw]
    if not all(isinstance(item, list) and len(item) == shape.dimension for item in values):
        return None
    try:
        matrix = np.fromiter(
            itertools.chain.from_iterable(values), dtype=np.float32, count=len(values) * shape.dimension
        ).reshape(len(values), shape.dimension)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(matrix).all() or (shape.metric == "cosine" and not matrix.any(axis=1).all()):
        return None
    return matrix


def upserted_records(raw: list[Any], shape: IndexShape) -> list[Record]:
    """Every record of an upsert request, checked in order (the first failure is reported)."""
    dense = _dense_batch(raw, shape)
    return [
        record(item, shape, position, None if dense is None else dense[position])
        for position, item in enumerate(raw)
    ]


def record(raw: Any, shape: IndexShape, position: int, checked_dense: Floats | None = None) -> Record:
    """One upserted record (``checked_dense``: its values, already converted and checked)."""
    where = f"vectors[{position}]"
    if not isinstance(raw, dict):
        raise bad_request(f"{where}: a record must be a JSON object.")
    identifier = record_id(raw.get("id"), f"{where}.id")
    values = raw.get("values")
    if values == [] and not shape.dense:
        values = None  # clients send an empty list for records of a sparse index
    if checked_dense is not None:
        dense: Floats | None = checked_dense
    else:
        dense = None if values is None else dense_values(values, shape, f"{where}.values")
    sparse = (
        None
        if raw.get("sparseValues") is None
        else sparse_values(raw["sparseValues"], shape, f"{where}.sparseValues")
    )
    if shape.dense and dense is None:
        raise bad_request(f"{where}: dense values are required by this index (dimension {shape.dimension}).")
    if not shape.dense and sparse is None:
        raise bad_request(f"{where}: sparse values are required by this sparse index.")
    return Record(
        id=identifier,
        dense=dense,
        sparse_indices=None if sparse is None else sparse[0],
        sparse_values=None if sparse is None else sparse[1],
        metadata=metadata(raw.get("metadata"), f"{where}.metadata"),
    )


def top_k(value: Any, with_data: bool) -> int:
    """A valid ``topK``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TOP_K:
        raise bad_request(f"Invalid topK: it must be an integer between 1 and {MAX_TOP_K}.")
    if with_data and value > MAX_TOP_K_WITH_DATA:
        raise bad_request(
            f"topK must be at most {MAX_TOP_K_WITH_DATA} when includeValues or includeMetadata is true."
        )
    return value


def limit(raw: str | None, default: int, maximum: int) -> int:
    """A query-string page size."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Invalid limit {raw!r:.40}: it must be an integer.") from None
    if not 1 <= value <= maximum:
        raise bad_request(f"Invalid limit {value}: it must be between 1 and {maximum}.")
    return value
