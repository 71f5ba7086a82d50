"""Canonical defaults: the values the Pinecone API assumes when a field is omitted.

Read by config normalization and by the provider's wire mapping alike, so both sides of a diff are
completed with the same values. Stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_METRIC = "cosine"
DEFAULT_VECTOR_TYPE = "dense"
DEFAULT_DELETION_PROTECTION = "disabled"
DEFAULT_CLOUD = "aws"
DEFAULT_REGION = "us-east-1"
DEFAULT_READ_CAPACITY: dict[str, Any] = {"mode": "OnDemand"}

DEFAULT_POD_TYPE = "p1.x1"
DEFAULT_POD_REPLICAS = 1
DEFAULT_POD_SHARDS = 1

DEFAULT_FULL_TEXT_SEARCH: dict[str, Any] = {"language": "en", "stemming": False, "stop_words": False}
DEFAULT_NGRAM_PREFIX_ONLY = False

DEFAULT_MAX_PODS = 0
DEFAULT_FORCE_ENCRYPTION_WITH_CMEK = False
DEFAULT_API_KEY_ROLES: tuple[str, ...] = ("ProjectEditor",)

DEFAULT_OWNERSHIP_TAG = ("managed-by", "declarate")
DEFAULT_MAX_DELETE_FRACTION = 0.3
DEFAULT_MIN_EXISTING = 10  # the mass-delete fraction applies from this many owned objects (as octoDNS)
DEFAULT_DELETE_ALL_MIN_EXISTING = 2  # deleting all owned objects of a kind is blocked from this many

# Backup schedules (2026-07): the only schedule type, its frequencies, and the retention range the
# service accepts (the spec says "at least 1 and no more than the service-configured maximum").
BACKUP_SCHEDULE_TYPE = "time-based"
BACKUP_FREQUENCIES: tuple[str, ...] = ("daily", "weekly", "monthly")
RETAIN_DAYS_MIN = 1
RETAIN_DAYS_MAX = 3650
DEFAULT_SCHEDULE_ENABLED = True  # a schedule is enabled when created

DENSE_FIELD = "_values"  # the schema field a classic dense index is made of
SPARSE_FIELD = "_sparse_values"  # and a classic sparse index

DIMENSION_MIN = 1
DIMENSION_MAX = 20000
MAX_TAGS = 20
TAG_KEY_MAX = 80
TAG_VALUE_MAX = 120
INDEX_NAME_MAX = 45


@dataclass(frozen=True)
class EmbedModel:
    """An integrated embedding model and the defaults Pinecone applies for it."""

    name: str
    metric: str
    dimension: int | None  # None: the model produces sparse vectors


EMBED_MODELS: dict[str, EmbedModel] = {
    m.name: m
    for m in (
        EmbedModel("multilingual-e5-large", "cosine", 1024),
        EmbedModel("llama-text-embed-v2", "cosine", 1024),
        EmbedModel("pinecone-sparse-english-v0", "dotproduct", None),
    )
}

# The tag an index created by a rename carries until the rename is finished (value: the old name), so
# a run killed after the new index exists resumes the rename instead of calling it a conflict.
RENAME_MARKER_TAG = "declarate-renaming-from"
