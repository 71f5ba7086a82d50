"""The data-plane operation table: every operation of the 2026-07 data-plane spec.

Operations without a handler (records and documents, bulk imports) answer 400 "not supported by
the declarate local target" in their error shape, after the same credential and role checks.
Wiring only.
"""

from __future__ import annotations

from . import namespaces, vectors
from .routes import READ, WRITE, DataOperation

D = DataOperation
E = "ErrorResponse"

# fmt: off
DATA_OPERATIONS: tuple[DataOperation, ...] = (
    D("POST", "/vectors/upsert", "upsertVectors", WRITE, vectors.upsert),
    D("POST", "/query", "queryVectors", READ, vectors.query),
    D("GET", "/vectors/fetch", "fetchVectors", READ, vectors.fetch),
    D("POST", "/vectors/fetch_by_metadata", "fetch_vectors_by_metadata", READ, vectors.fetch_by_metadata),
    D("POST", "/vectors/update", "updateVector", WRITE, vectors.update),
    D("POST", "/vectors/delete", "deleteVectors", WRITE, vectors.delete),
    D("GET", "/vectors/list", "listVectors", READ, vectors.list_ids),
    D("POST", "/describe_index_stats", "describeIndexStats", READ, vectors.describe_index_stats),
    D("GET", "/namespaces", "listNamespacesOperation", READ, namespaces.list_namespaces),
    D("POST", "/namespaces", "createNamespace", WRITE, namespaces.create_namespace),
    D("GET", "/namespaces/{namespace}", "describeNamespace", READ, namespaces.describe_namespace),
    D("DELETE", "/namespaces/{namespace}", "deleteNamespace", WRITE, namespaces.delete_namespace),
    # Not served by the local target (400 not supported): they need Pinecone's inference and storage services.
    D("GET", "/bulk/imports", "listBulkImports", READ),
    D("POST", "/bulk/imports", "startBulkImport", WRITE),
    D("GET", "/bulk/imports/{id}", "describeBulkImport", READ),
    D("DELETE", "/bulk/imports/{id}", "cancelBulkImport", WRITE),
    D("POST", "/records/namespaces/{namespace}/upsert", "upsertRecordsNamespace", WRITE, error_body=E),
    D("POST", "/records/namespaces/{namespace}/search", "searchRecordsNamespace", READ, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/upsert", "upsertDocuments", WRITE, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/search", "searchDocuments", READ, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/fetch", "fetchDocuments", READ, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/delete", "deleteDocuments", WRITE, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/update", "updateDocuments", WRITE, error_body=E),
    D("POST", "/namespaces/{namespace}/documents/list", "listDocuments", READ, error_body=E),
)
# fmt: on
