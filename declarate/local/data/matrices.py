"""Each namespace's records as numpy arrays, cached between queries until the namespace changes.

A query stacks the namespace's dense vectors into one float32 matrix (with row norms), its sparse
vectors into CSR arrays, and keeps ids and parsed metadata in row order. The arrays are built in
chunks (bounded memory beyond the matrix itself) and cached per ``(index, namespace)`` with the
namespace's ``generation`` token: any write changes the token, so a cache is never stale, even
when another process wrote the file. Reads storage; never writes it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..store import Tx
from .records import namespace_row
from .scoring import Scores, row_norms

_CHUNK = 512  # rows read per step while building a matrix: bounds the transient blobs
_CACHED_NAMESPACES = 16


@dataclass(frozen=True)
class NamespaceMatrix:
    """The arrays of one namespace at one generation."""

    generation: str
    ids: list[str]
    dense: npt.NDArray[np.float32] | None
    norms: Scores | None
    indptr: npt.NDArray[np.int64]
    sparse_indices: npt.NDArray[np.uint32]
    sparse_values: npt.NDArray[np.float32]
    metadata: list[dict[str, Any] | None]

    def __len__(self) -> int:
        return len(self.ids)


def _build(tx: Tx, index_id: str, namespace: str, dimension: int | None, generation: str) -> NamespaceMatrix:
    count = int(
        tx.scalar(
            "SELECT count(*) FROM data_records WHERE index_id = ? AND namespace = ?", (index_id, namespace)
        )
        or 0
    )
    dense = np.zeros((count, dimension), dtype=np.float32) if dimension else None
    ids: list[str] = []
    metadata: list[dict[str, Any] | None] = []
    lengths = np.zeros(count, dtype=np.int64)
    sparse_indices: list[npt.NDArray[np.uint32]] = []
    sparse_values: list[npt.NDArray[np.float32]] = []
    after = 0
    while len(ids) < count:
        chunk = tx.all(
            "SELECT seq, id, dense, sparse_indices, sparse_values, metadata FROM data_records "
            "WHERE index_id = ? AND namespace = ? AND seq > ? ORDER BY seq LIMIT ?",
            (index_id, namespace, after, _CHUNK),
        )
        if not chunk:
            break
        for row in chunk:
            position = len(ids)
            if position >= count:
                break
            ids.append(row["id"])
            metadata.append(json.loads(row["metadata"]) if row["metadata"] else None)
            if dense is not None and row["dense"] is not None:
                dense[position] = np.frombuffer(row["dense"], dtype=np.float32)
            if row["sparse_indices"] is not None:
                found = np.frombuffer(row["sparse_indices"], dtype=np.uint32)
                sparse_indices.append(found)
                sparse_values.append(np.frombuffer(row["sparse_values"], dtype=np.float32))
                lengths[position] = len(found)
        after = chunk[-1]["seq"]
    size = len(ids)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(lengths[:size], out=indptr[1:])
    return NamespaceMatrix(
        generation=generation,
        ids=ids,
        dense=None if dense is None else dense[:size],
        norms=None if dense is None else row_norms(dense[:size]),
        indptr=indptr,
        sparse_indices=np.concatenate(sparse_indices) if sparse_indices else np.empty(0, dtype=np.uint32),
        sparse_values=np.concatenate(sparse_values) if sparse_values else np.empty(0, dtype=np.float32),
        metadata=metadata,
    )


class MatrixCache:
    """Namespace matrices of one app, least recently used first out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], NamespaceMatrix] = OrderedDict()

    def get(self, tx: Tx, index_id: str, namespace: str, dimension: int | None) -> NamespaceMatrix | None:
        """The namespace's arrays as of ``tx`` (``None`` when the namespace does not exist)."""
        row = namespace_row(tx, index_id, namespace)
        if row is None:
            return None
        key = (index_id, namespace)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and cached.generation == row["generation"]:
                self._entries.move_to_end(key)
                return cached
            self._entries.pop(key, None)
        built = _build(tx, index_id, namespace, dimension, row["generation"])
        with self._lock:
            self._entries[key] = built
            while len(self._entries) > _CACHED_NAMESPACES:
                self._entries.popitem(last=False)
        return built
