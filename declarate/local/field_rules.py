"""Semantic rules of the 2026-07 APIs: names, tags, dimensions, regions, emails, paging limits.

Each function checks one rule on values that already have the right JSON shape and raises an
``ApiError`` (400, or 404 for an unknown cloud/region) with a message that names the field. No
storage, no roles, no HTTP: handlers call these before they touch the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import catalog
from .errors import bad_request, not_found, out_of_range

_RESOURCE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_TAG_KEY = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POD_TYPE = re.compile(r"^(s1|p1|p2)\.(x1|x2|x4|x8)$")
MAX_TAGS = 20
MAX_TAG_VALUE = 120
MAX_DESCRIPTION_BYTES = 256
MAX_FIELD_NAME_BYTES = 64


def resource_name(name: str, what: str = "index") -> None:
    """Index, collection and backup names: 1-45 of ``a-z0-9-``, not starting or ending with ``-``."""
    if not 1 <= len(name) <= 45:
        raise bad_request(f"Invalid {what} name '{name}': must be 1-45 characters long.")
    if not _RESOURCE_NAME.match(name):
        raise bad_request(
            f"Invalid {what} name '{name}': must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character."
        )


def text_length(value: str, field: str, low: int, high: int) -> None:
    """A free-text name of ``low``..``high`` characters."""
    if not low <= len(value) <= high:
        raise bad_request(f"{field} must be {low}-{high} characters long, got {len(value)}.")
    if "\x00" in value:
        raise bad_request(f"{field} must not contain NUL characters.")


def deletion_protection(value: str) -> str:
    """``enabled`` or ``disabled``."""
    if value not in catalog.DELETION_PROTECTION:
        raise bad_request(f"deletion_protection must be 'enabled' or 'disabled', got '{value}'.")
    return value


def dimension(value: int, field: str = "dimension") -> None:
    """A dense vector dimension: 1..20000."""
    if not 1 <= value <= 20000:
        raise bad_request(f"{field} must be between 1 and 20000, got {value}.")


def metric(value: str, field: str = "metric") -> None:
    """A distance metric."""
    if value not in catalog.METRICS:
        raise bad_request(f"{field} must be one of cosine, dotproduct, euclidean; got '{value}'.")


def description(value: str, field: str) -> None:
    """A field description: at most 256 bytes."""
    if len(value.encode()) > MAX_DESCRIPTION_BYTES:
        raise bad_request(f"{field} must be at most {MAX_DESCRIPTION_BYTES} bytes.")


def field_name(name: str, field: str) -> None:
    """A schema field name: 1..64 bytes, not starting with ``$`` or (outside reserved names) ``_``."""
    if not name or len(name.encode()) > MAX_FIELD_NAME_BYTES:
        raise bad_request(f"{field}: field names must be 1-{MAX_FIELD_NAME_BYTES} bytes long.")
    if name.startswith("$"):
        raise bad_request(f"{field}: field names must not start with '$'.")
    if name.startswith("_"):
        raise bad_request(f"{field}: field names starting with '_' are reserved.")


def serverless_location(cloud: str, region: str) -> None:
    """A known cloud and region, else 404 NOT_FOUND (as the service answers)."""
    if region not in catalog.SERVERLESS_REGIONS.get(cloud, ()):
        raise not_found(f"Resource cloud: {cloud} region: {region} not found.")


def pod_type(value: str) -> None:
    """``s1|p1|p2`` followed by ``.x1|.x2|.x4|.x8``."""
    if not _POD_TYPE.match(value):
        raise bad_request(
            f"Invalid pod_type '{value}': expected one of s1, p1, p2 followed by .x1, .x2, .x4 or .x8."
        )


def replicas(value: int, field: str = "replicas", minimum: int = 1) -> None:
    """A replica (or shard) count."""
    if value < minimum:
        raise bad_request(f"{field} must be at least {minimum}, got {value}.")


def tag_map(tags: Mapping[str, str], field: str = "tags") -> None:
    """Tag keys ``[A-Za-z0-9_-]{1,80}``; values at most 120 printable ASCII characters."""
    for key, value in tags.items():
        if not _TAG_KEY.match(key):
            raise bad_request(
                f"Invalid tag key '{key}' in {field}: keys must be 1-80 characters of "
                "alphanumerics, '_' or '-'."
            )
        if len(value) > MAX_TAG_VALUE:
            raise bad_request(f"Tag value for '{key}' in {field} must be at most {MAX_TAG_VALUE} characters.")
        if any(not 0x20 <= ord(char) <= 0x7E for char in value):
            raise bad_request(f"Tag value for '{key}' in {field} must consist of printable ASCII characters.")


def merged_tags(current: Mapping[str, str] | None, changes: Mapping[str, str]) -> dict[str, str] | None:
    """Tags after a configure: keys not sent are kept, ``""`` deletes a key, at most 20 remain."""
    tag_map(changes)
    merged = dict(current or {})
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > MAX_TAGS:
        raise bad_request(f"An index can have at most {MAX_TAGS} tags, got {len(merged)}.")
    return merged or None


def new_tags(tags: Mapping[str, str] | None) -> dict[str, str] | None:
    """Tags on create: validated, empty values dropped, ``None`` when there are none."""
    if tags is None:
        return None
    return merged_tags(None, tags)


def email(value: str, field: str = "email") -> str:
    """A plausible email address (at most 254 characters); returned as given."""
    if len(value) > 254 or not _EMAIL.match(value):
        raise bad_request(f"{field} '{value}' is not a valid email address.")
    return value


def page_limit(raw: str | None, default: int = 100, maximum: int | None = 100) -> int | None:
    """A ``limit`` query parameter; ``None`` when absent."""
    if raw is None:
        return None
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit must be an integer, got '{raw}'.") from None
    if limit < 1 or (maximum is not None and limit > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise out_of_range(f"limit must be between 1{upper}, got {limit}.")
    return limit


def boolean_param(raw: str | None, field: str) -> bool:
    """A boolean query parameter (``true``/``false``)."""
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise bad_request(f"{field} must be 'true' or 'false', got '{raw}'.")
    return lowered == "true"


def one_of(value: str, allowed: tuple[str, ...] | frozenset[str], field: str) -> str:
    """An open-enum value (``x-enum`` in the specs) checked against its allowed values."""
    if value not in allowed:
        listed = ", ".join(sorted(allowed))
        raise bad_request(f"Invalid {field} '{value}'. Must be one of: {listed}.")
    return value
