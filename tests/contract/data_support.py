"""Helpers of the data-plane contract tests: indexes to write into and raw data-plane requests."""

from __future__ import annotations

from typing import Any

import httpx
from contract_support import unique
from pinecone import Pinecone


def dense_index(pc: Pinecone, dimension: int = 4, metric: str = "cosine") -> Any:
    """A new dense index (serverless) and its data-plane client, reached by name."""
    name = unique(f"d{metric[:3]}")
    pc.indexes.create(
        name=name,
        schema={"fields": {"_values": {"type": "dense_vector", "dimension": dimension, "metric": metric}}},
    )
    return pc.Index(name=name)


def sparse_index(pc: Pinecone) -> Any:
    """A new sparse index and its data-plane client, reached by host."""
    name = unique("sparse")
    created = pc.indexes.create(name=name, schema={"fields": {"_sparse_values": {"type": "sparse_vector"}}})
    return pc.Index(host=created.host)


def raw(index: Any, pc: Pinecone, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A data-plane request sent without the SDK's client-side checks."""
    headers = {"Api-Key": pc.config.api_key, "X-Pinecone-Api-Version": "2026-07"}
    headers.update(kwargs.pop("headers", {}))
    return httpx.request(method, index.host + path, headers=headers, timeout=30, **kwargs)
