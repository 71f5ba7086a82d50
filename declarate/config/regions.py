"""The serverless region catalog: which cloud regions Pinecone accepts for a managed index.

One table, read by the index rules (an unknown cloud/region pair is a validation error with a "did
you mean") and compared by a test with the local control plane's own copy, which stands in for the
API and must agree. The regions are those of Pinecone's catalog as the official SDK (10.2.0) names
them (`AwsRegion`, `GcpRegion`, `AzureRegion`). Pod and BYOC indexes name an environment instead,
which is not checked here: a BYOC environment is the customer's own. Lookups only, no I/O.
"""

from __future__ import annotations

from difflib import get_close_matches

# cloud -> the regions where a serverless (managed) index can be created, in the API's order.
SERVERLESS_REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"),
    "gcp": ("us-central1", "europe-west4"),
    "azure": ("eastus2", "germanywestcentral"),
}


def is_serverless_region(cloud: str, region: str) -> bool:
    """True when Pinecone serves managed indexes in `region` of `cloud`."""
    return region in SERVERLESS_REGIONS.get(cloud, ())


def clouds_of(region: str) -> tuple[str, ...]:
    """The clouds that have a serverless region of this name (none for an unknown region)."""
    return tuple(cloud for cloud, regions in SERVERLESS_REGIONS.items() if region in regions)


def closest_region(cloud: str, region: str) -> str | None:
    """The region of `cloud` spelled most like `region` (`us-east-7` -> `us-east-1`), if any is close."""
    close = get_close_matches(region, SERVERLESS_REGIONS.get(cloud, ()), n=1, cutoff=0.6)
    return close[0] if close else None
