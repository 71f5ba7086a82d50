"""SQLite persistence of the local control plane: schema, connection and transactions.

One connection per ``Store`` (a file in WAL mode, or memory), guarded by a lock; every write runs in
``BEGIN IMMEDIATE`` so two processes sharing a data file serialize too, with a busy timeout. Rows
come back as plain dicts; JSON columns are text. This module knows tables, not API shapes, roles or
HTTP: it must not import the handlers, and it must not decide what a request means.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

Row = dict[str, Any]

SCHEMA_VERSION = "1"

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT NOT NULL, payment_status TEXT NOT NULL,
    support_tier TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    name TEXT NOT NULL, max_pods INTEGER NOT NULL, cmek INTEGER NOT NULL, created_at REAL NOT NULL,
    UNIQUE (org_id, name));
CREATE TABLE IF NOT EXISTS service_accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    name TEXT NOT NULL, client_id TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    email TEXT NOT NULL, email_key TEXT NOT NULL, name TEXT, created_at REAL NOT NULL,
    UNIQUE (org_id, email_key));
CREATE TABLE IF NOT EXISTS invites (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    email TEXT NOT NULL, email_key TEXT NOT NULL, expires_at REAL NOT NULL, processed_at REAL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
    name TEXT NOT NULL, value_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS role_bindings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    principal_type TEXT NOT NULL, principal_id TEXT NOT NULL, resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL, role TEXT NOT NULL, created_at REAL NOT NULL,
    UNIQUE (principal_type, principal_id, resource_type, resource_id, role));
CREATE INDEX IF NOT EXISTS role_bindings_resource ON role_bindings (resource_type, resource_id);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, service_account_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_owner ON tokens (service_account_id);
CREATE TABLE IF NOT EXISTS indexes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
    name TEXT NOT NULL, host TEXT NOT NULL, schema TEXT NOT NULL, deployment TEXT NOT NULL,
    read_capacity TEXT, tags TEXT, deletion_protection TEXT NOT NULL, cmek_id TEXT,
    source_collection TEXT, source_backup_id TEXT, created_at REAL NOT NULL, deleted_at REAL,
    changed_at REAL, change_state TEXT, previous_capacity TEXT);
CREATE INDEX IF NOT EXISTS indexes_project ON indexes (project_id, name);
CREATE TABLE IF NOT EXISTS collections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, project_id TEXT NOT NULL, name TEXT NOT NULL,
    source_index_id TEXT NOT NULL, environment TEXT NOT NULL, dimension INTEGER,
    created_at REAL NOT NULL, UNIQUE (project_id, name));
CREATE TABLE IF NOT EXISTS backups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
    source_index_id TEXT NOT NULL, source_index_name TEXT NOT NULL, source_index_deleted_at REAL,
    name TEXT, description TEXT, cloud TEXT NOT NULL, region TEXT NOT NULL, schema TEXT NOT NULL,
    deployment TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS backups_project ON backups (project_id);
CREATE TABLE IF NOT EXISTS backup_schedules (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
    index_id TEXT NOT NULL, name TEXT NOT NULL, frequency TEXT NOT NULL,
    retention_days INTEGER NOT NULL, enabled INTEGER NOT NULL, anchor REAL NOT NULL,
    ran_until REAL NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS backup_schedules_index ON backup_schedules (index_id);
CREATE TABLE IF NOT EXISTS scheduled_backups (
    backup_id TEXT PRIMARY KEY, schedule_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS scheduled_backups_schedule ON scheduled_backups (schedule_id);
CREATE TABLE IF NOT EXISTS restore_jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
    backup_id TEXT NOT NULL, target_index_name TEXT NOT NULL, target_index_id TEXT NOT NULL,
    created_at REAL NOT NULL);
"""


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


def dumps(value: Any) -> str | None:
    """JSON text for a JSON column (``None`` stays NULL)."""
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=False)


def loads(text: str | None) -> Any:
    """The value of a JSON column."""
    return None if text is None else json.loads(text)


class Tx:
    """A transaction in progress: small typed helpers over the connection."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or ``None``."""
        row: Row | None = self._connection.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        rows: list[Row] = self._connection.execute(sql, params).fetchall()
        return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (``None`` when there is no row)."""
        row = self._connection.execute(sql, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; the number of rows it changed."""
        return self._connection.execute(sql, params).rowcount

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per row of parameters."""
        self._connection.executemany(sql, rows)

    def insert(self, table: str, values: Mapping[str, Any]) -> None:
        """Insert one row."""
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self._connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))

    def update(self, table: str, values: Mapping[str, Any], where: str, params: Sequence[Any]) -> int:
        """Update the rows matching ``where``; the number changed."""
        if not values:
            return 0
        assignments = ", ".join(f"{column} = ?" for column in values)
        sql = f"UPDATE {table} SET {assignments} WHERE {where}"
        return self._connection.execute(sql, (*values.values(), *params)).rowcount

    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table."""
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


DATA_FILE_MODE = 0o600
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _make_private(db_path: str) -> None:
    """Create the data file 0600 and tighten an existing one (and its side files) to 0600.

    A data file holds the bootstrap owner's secret. SQLite creates ``-wal``, ``-shm`` and
    ``-journal`` with the database file's mode, so creating the database 0600 first covers them.
    Failures are left for SQLite to report when it opens the path.
    """
    try:
        os.close(os.open(db_path, os.O_CREAT | os.O_RDWR, DATA_FILE_MODE))
    except OSError:
        return
    for path in (db_path, *(db_path + suffix for suffix in _SIDE_FILES)):
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, DATA_FILE_MODE)
        except OSError:
            continue


class Store:
    """The SQLite database behind one local control plane."""

    def __init__(self, db_path: str | None):
        self.db_path = db_path
        self._lock = threading.RLock()
        if db_path and db_path != ":memory:":
            _make_private(db_path)
        self._connection = sqlite3.connect(
            db_path or ":memory:", check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._connection.row_factory = _dict_row
        if db_path:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
        with self.write() as tx:
            for statement in _DDL.split(";"):
                if statement.strip():
                    tx.run(statement)
            if tx.get_meta("schema_version") is None:
                tx.set_meta("schema_version", SCHEMA_VERSION)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on exit, rolled back on error."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction: one consistent snapshot."""
        with self._lock:
            self._connection.execute("BEGIN")
            try:
                yield Tx(self._connection)
            finally:
                self._connection.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (further use fails)."""
        with self._lock:
            self._connection.close()
