"""Masking at the edge: only secret values are hidden, by value, when a view is rendered.

Plans and plan files hold the real values: a tag or a schema field named `secret` is data like any
other and must round-trip (masking by key name once wrote `(sensitive)` into a plan, which apply then
sent to the API). What is hidden is every credential value the process knows (`declarate.redaction`:
the client secret, tokens, temporary and created key values, api_key_env values), wherever it appears
in a value. This module must not format anything; it only replaces values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from declarate.model.plan import FieldDiff
from declarate.redaction import redact_data


def mask_value(value: Any) -> Any:
    """A plain-JSON deep copy of `value` with every known credential value replaced.

    Also turns nested Mappings and tuples into dicts and lists, so the result always serializes.
    """
    return redact_data(value)


def masked_sides(path: str, before: Any, after: Any) -> tuple[Any, Any]:
    """(before, after) of one attribute with known credential values replaced; `path` is not judged."""
    del path  # kept in the signature: callers name the attribute, but a name never decides masking
    return mask_value(before), mask_value(after)


def masked_field(field: FieldDiff) -> tuple[Any, Any]:
    """(before, after) of a field diff, masked by value."""
    return masked_sides(field.path, field.before, field.after)


def mask_plan_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """`Plan.to_json()` output with every known credential value replaced (nothing else changes)."""
    masked: dict[str, Any] = mask_value(data)
    return masked
