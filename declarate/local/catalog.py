"""Static facts the local control plane serves: clouds and regions, embedding models, pod sizes.

One table per fact, read by ``field_rules`` and by the handlers that fill in defaults. Extend a table
here to make the local control plane accept more; nothing else hard-codes these values. No logic
beyond lookups, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

# cloud -> regions where serverless (managed) indexes can be created: Pinecone's catalog as the
# official SDK names it (AwsRegion, GcpRegion, AzureRegion). declarate's config rules keep their own
# copy (the local control plane stands in for the API and imports nothing of declarate); a test
# holds the two equal.
SERVERLESS_REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus2", "germanywestcentral"),
}

DEFAULT_CLOUD = "aws"
DEFAULT_REGION = "us-east-1"

# Pod environments a seeded pod index may live in (pods cannot be created in 2026-07).
POD_ENVIRONMENTS: tuple[str, ...] = (
    "us-east-1-aws",
    "us-west1-gcp",
    "us-central1-gcp",
    "eu-west1-gcp",
    "us-east1-gcp",
)
POD_FAMILIES: tuple[str, ...] = ("s1", "p1", "p2")
POD_SIZES: tuple[str, ...] = ("x1", "x2", "x4", "x8")

# Dedicated read capacity.
READ_NODE_TYPES: tuple[str, ...] = ("b1", "t1")
READ_SCALING_MODES: tuple[str, ...] = ("Manual",)

METRICS: tuple[str, ...] = ("cosine", "dotproduct", "euclidean")
DELETION_PROTECTION: tuple[str, ...] = ("disabled", "enabled")

# Languages accepted by full-text search fields.
FTS_LANGUAGES: tuple[str, ...] = (
    "ar",
    "da",
    "de",
    "el",
    "en",
    "es",
    "fi",
    "fr",
    "hu",
    "it",
    "nl",
    "no",
    "pt",
    "ro",
    "ru",
    "sv",
    "ta",
    "tr",
)


@dataclass(frozen=True)
class EmbeddingModel:
    """An integrated embedding model: its vector type, dimensions and default metric."""

    name: str
    vector_type: str  # "dense" or "sparse"
    default_dimension: int | None
    dimensions: tuple[int, ...]
    default_metric: str
    metrics: tuple[str, ...]


EMBEDDING_MODELS: dict[str, EmbeddingModel] = {
    model.name: model
    for model in (
        EmbeddingModel("multilingual-e5-large", "dense", 1024, (1024,), "cosine", METRICS),
        EmbeddingModel("llama-text-embed-v2", "dense", 1024, (384, 512, 768, 1024, 2048), "cosine", METRICS),
        EmbeddingModel("pinecone-sparse-english-v0", "sparse", None, (), "dotproduct", ("dotproduct",)),
    )
}


def environment_of(cloud: str, region: str) -> str:
    """The Pinecone environment name of a serverless cloud region (``us-east-1-aws``)."""
    return f"{region}-{cloud}"


def pod_size_rank(pod_type: str) -> int:
    """Position of a pod type's size (``x1`` < ``x2`` < ...), for scale-up-only checks."""
    return POD_SIZES.index(pod_type.split(".", 1)[1])
