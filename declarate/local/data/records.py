"""Records of every index, in the control plane's SQLite file.

A record is ``(index, namespace, id)`` with its dense values as a float32 blob, its sparse
values as a uint32 indices blob and a float32 values blob, and its metadata as JSON text.
Namespaces are rows too: created explicitly (``create_namespace``) or implicitly by an upsert,
each with a ``generation`` token that changes with every write so cached matrices know when
they are stale, across processes sharing the file. This module knows tables, not HTTP, scoring
or permissions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..store import Store, Tx, dumps

DDL = (
    "CREATE TABLE IF NOT EXISTS data_records ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, index_id TEXT NOT NULL, namespace TEXT NOT NULL,"
    " id TEXT NOT NULL, dense BLOB, sparse_indices BLOB, sparse_values BLOB, metadata TEXT,"
    " UNIQUE (index_id, namespace, id))",
    "CREATE TABLE IF NOT EXISTS data_namespaces ("
    " index_id TEXT NOT NULL, name TEXT NOT NULL, explicit INTEGER NOT NULL, schema TEXT,"
    " generation TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (index_id, name))",
    # every data-plane request finds its index by host
    "CREATE INDEX IF NOT EXISTS indexes_host ON indexes (host)",
)

Floats = npt.NDArray[np.float32]
Indices = npt.NDArray[np.uint32]


def install(store: Store) -> None:
    """Create the data-plane tables (idempotent)."""
    with store.write() as tx:
        for statement in DDL:
            tx.run(statement)


@dataclass(frozen=True)
class Record:
    """One record as stored."""

    id: str
    dense: Floats | None
    sparse_indices: Indices | None
    sparse_values: Floats | None
    metadata: dict[str, Any] | None


def _blob(array: npt.NDArray[Any] | None) -> bytes | None:
    return None if array is None else array.tobytes()


def touch(tx: Tx, index_id: str, namespace: str, now: float, *, explicit: bool = False) -> None:
    """Mark a namespace written (creating it implicitly when new)."""
    tx.run(
        "INSERT INTO data_namespaces (index_id, name, explicit, generation, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (index_id, name) DO UPDATE SET generation = excluded.generation, "
        "explicit = max(explicit, excluded.explicit)",
        (index_id, namespace, int(explicit), uuid.uuid4().hex, now),
    )


def upsert(tx: Tx, index_id: str, namespace: str, records: Sequence[Record], now: float) -> None:
    """Insert or replace records (a replaced record loses what the new one does not carry)."""
    touch(tx, index_id, namespace, now)
    rows = [
        (
            index_id,
            namespace,
            record.id,
            _blob(record.dense),
            _blob(record.sparse_indices),
            _blob(record.sparse_values),
            dumps(record.metadata) if record.metadata else None,
        )
        for record in records
    ]
    tx.run_many(
        "INSERT INTO data_records (index_id, namespace, id, dense, sparse_indices, sparse_values, metadata) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (index_id, namespace, id) DO UPDATE SET "
        "dense = excluded.dense, sparse_indices = excluded.sparse_indices, "
        "sparse_values = excluded.sparse_values, metadata = excluded.metadata",
        rows,
    )


def decode(row: dict[str, Any]) -> Record:
    """A stored row as a ``Record``."""
    return Record(
        id=row["id"],
        dense=None if row["dense"] is None else np.frombuffer(row["dense"], dtype=np.float32),
        sparse_indices=None
        if row["sparse_indices"] is None
        else np.frombuffer(row["sparse_indices"], dtype=np.uint32),
        sparse_values=None
        if row["sparse_values"] is None
        else np.frombuffer(row["sparse_values"], dtype=np.float32),
        metadata=json.loads(row["metadata"]) if row["metadata"] else None,
    )


def fetch(tx: Tx, index_id: str, namespace: str, ids: Iterable[str]) -> list[Record]:
    """The records with these ids that exist, in the order asked."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Record] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        for row in tx.all(
            f"SELECT * FROM data_records WHERE index_id = ? AND namespace = ? AND id IN ({marks})",
            (index_id, namespace, *chunk),
        ):
            found[row["id"]] = decode(row)
    return [found[i] for i in wanted if i in found]


def delete(tx: Tx, index_id: str, namespace: str, ids: Iterable[str], now: float) -> int:
    """Delete records by id; how many existed."""
    wanted = list(dict.fromkeys(ids))
    deleted = 0
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        deleted += tx.run(
            f"DELETE FROM data_records WHERE index_id = ? AND namespace = ? AND id IN ({marks})",
            (index_id, namespace, *chunk),
        )
    if deleted:
        touch(tx, index_id, namespace, now)
    forget_if_empty(tx, index_id, namespace)
    return deleted


def delete_all(tx: Tx, index_id: str, namespace: str, now: float) -> None:
    """Empty a namespace (it stays if it was created explicitly)."""
    tx.run("DELETE FROM data_records WHERE index_id = ? AND namespace = ?", (index_id, namespace))
    touch(tx, index_id, namespace, now)
    forget_if_empty(tx, index_id, namespace)


def forget_if_empty(tx: Tx, index_id: str, namespace: str) -> None:
    """An implicit namespace without records stops existing, as in Pinecone."""
    tx.run(
        "DELETE FROM data_namespaces WHERE index_id = ? AND name = ? AND explicit = 0 AND NOT EXISTS "
        "(SELECT 1 FROM data_records WHERE index_id = ? AND namespace = ?)",
        (index_id, namespace, index_id, namespace),
    )


def drop_namespace(tx: Tx, index_id: str, namespace: str) -> bool:
    """Delete a namespace and its records; whether it existed."""
    existed = namespace_row(tx, index_id, namespace) is not None
    tx.run("DELETE FROM data_records WHERE index_id = ? AND namespace = ?", (index_id, namespace))
    tx.run("DELETE FROM data_namespaces WHERE index_id = ? AND name = ?", (index_id, namespace))
    return existed


def drop_index(tx: Tx, index_id: str) -> None:
    """Forget every record and namespace of an index."""
    tx.run("DELETE FROM data_records WHERE index_id = ?", (index_id,))
    tx.run("DELETE FROM data_namespaces WHERE index_id = ?", (index_id,))


def namespace_row(tx: Tx, index_id: str, namespace: str) -> dict[str, Any] | None:
    """A namespace's row, or ``None`` when it does not exist."""
    return tx.one("SELECT * FROM data_namespaces WHERE index_id = ? AND name = ?", (index_id, namespace))


def namespaces(tx: Tx, index_id: str) -> list[dict[str, Any]]:
    """Every namespace of an index with its record count, by name."""
    return tx.all(
        "SELECT n.name AS name, n.schema AS schema, n.generation AS generation, "
        "(SELECT count(*) FROM data_records r WHERE r.index_id = n.index_id AND r.namespace = n.name) "
        "AS record_count FROM data_namespaces n WHERE n.index_id = ? ORDER BY n.name",
        (index_id,),
    )


def rows(tx: Tx, index_id: str, namespace: str) -> list[dict[str, Any]]:
    """Every stored row of a namespace, in id order."""
    return tx.all(
        "SELECT * FROM data_records WHERE index_id = ? AND namespace = ? ORDER BY id", (index_id, namespace)
    )


def list_ids(tx: Tx, index_id: str, namespace: str, prefix: str, after: str, limit: int) -> list[str]:
    """Up to ``limit`` ids after ``after`` (exclusive) starting with ``prefix``, in id order."""
    found = tx.all(
        "SELECT id FROM data_records WHERE index_id = ? AND namespace = ? AND id > ? "
        "AND substr(id, 1, ?) = ? ORDER BY id LIMIT ?",
        (index_id, namespace, after, len(prefix), prefix, limit),
    )
    return [row["id"] for row in found]


def copy_index(tx: Tx, source_id: str, target_id: str, now: float) -> None:
    """Copy every namespace and record of one index (or backup) key to another."""
    tx.run(
        "INSERT INTO data_namespaces (index_id, name, explicit, schema, generation, created_at) "
        "SELECT ?, name, explicit, schema, ?, ? FROM data_namespaces WHERE index_id = ?",
        (target_id, uuid.uuid4().hex, now, source_id),
    )
    tx.run(
        "INSERT INTO data_records (index_id, namespace, id, dense, sparse_indices, sparse_values, metadata) "
        "SELECT ?, namespace, id, dense, sparse_indices, sparse_values, metadata FROM data_records "
        "WHERE index_id = ? ORDER BY seq",
        (target_id, source_id),
    )


def counts(tx: Tx, index_id: str) -> tuple[int, int]:
    """``(records, namespaces)`` of an index (or backup)."""
    records = int(tx.scalar("SELECT count(*) FROM data_records WHERE index_id = ?", (index_id,)) or 0)
    spaces = int(tx.scalar("SELECT count(*) FROM data_namespaces WHERE index_id = ?", (index_id,)) or 0)
    return records, spaces


def size_bytes(tx: Tx, index_id: str, namespace: str | None = None) -> int:
    """Bytes the records take (values, sparse values and metadata)."""
    where, params = "index_id = ?", [index_id]
    if namespace is not None:
        where += " AND namespace = ?"
        params.append(namespace)
    total = tx.scalar(
        "SELECT sum(length(id) + coalesce(length(dense), 0) + coalesce(length(sparse_indices), 0) + "
        f"coalesce(length(sparse_values), 0) + coalesce(length(metadata), 0)) FROM data_records WHERE {where}",
        params,
    )
    return int(total or 0)
