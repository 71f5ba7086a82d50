"""Masking by field name: a value whose key is a credential name never reaches rendered output.

Every renderer shows values through these functions. The decision is made from the field's name
(`SECRET_FIELD_NAMES`), on both sides of a diff, never by searching text for known values, which is how
older tools leaked secrets. This module must not format anything; it only replaces values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from declarate.model.kinds import SECRET_FIELD_NAMES
from declarate.model.plan import FieldDiff

SENSITIVE = "(sensitive)"

_INDEX_SUFFIX = re.compile(r"\[[^\]]*\]$")


def is_secret_path(path: str) -> bool:
    """True when the last segment of a dotted attribute path names a credential (`roles[0]` -> `roles`)."""
    last = path.rsplit(".", 1)[-1]
    while _INDEX_SUFFIX.search(last):
        last = _INDEX_SUFFIX.sub("", last)
    return last in SECRET_FIELD_NAMES


def mask_secret(value: Any) -> Any:
    """SENSITIVE for a present value; None stays None so "set for the first time" stays visible."""
    return None if value is None else SENSITIVE


def mask_value(value: Any) -> Any:
    """A plain-JSON deep copy of `value` with every mapping entry keyed by a credential name masked.

    Also turns nested Mappings and tuples into dicts and lists, so the result always serializes.
    """
    if isinstance(value, Mapping):
        return {
            str(key): mask_secret(item) if str(key) in SECRET_FIELD_NAMES else mask_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_value(item) for item in value]
    return value


def masked_sides(path: str, before: Any, after: Any) -> tuple[Any, Any]:
    """(before, after) of one attribute, masked whole when its path names a credential."""
    if is_secret_path(path):
        return mask_secret(before), mask_secret(after)
    return mask_value(before), mask_value(after)


def masked_field(field: FieldDiff) -> tuple[Any, Any]:
    """(before, after) of a field diff, masked by the field's name."""
    return masked_sides(field.path, field.before, field.after)


def mask_plan_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """`Plan.to_json()` output with every credential-named field and nested key masked."""
    masked = dict(data)
    changes = []
    for change in data.get("changes", []):
        entry = dict(change)
        fields = []
        for field in change.get("fields", []):
            before, after = masked_sides(str(field.get("path", "")), field.get("before"), field.get("after"))
            fields.append({**field, "before": before, "after": after})
        entry["fields"] = fields
        entry["before"] = mask_value(change.get("before"))
        entry["after"] = mask_value(change.get("after"))
        changes.append(entry)
    masked["changes"] = changes
    return masked
