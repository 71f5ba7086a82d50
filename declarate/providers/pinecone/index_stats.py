"""The one reading of counts in data-plane answers: `describe_index_stats` and uint64 fields.

The plan's data impact, index renames (the record count checked after a restore) and `report` all
read an index's records and namespaces here, so they cannot disagree on an answer. A count is a
non-negative integer or a decimal string (the API's int64/uint64 fields may be sent as strings, as
proto3's JSON mapping does). A count that cannot be read is unknown with the reason, never zero;
a summary that leaves `vectorCount` out counts 0 (proto3 leaves zeros out); an answer without
`namespaces` is an empty index only when it says its total is 0. The server's answer is hostile:
nothing here raises on any JSON value, and namespace names are counted, never shown. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from declarate.model.plan import DataImpact
from declarate.providers.pinecone.answers import MalformedAnswer

_MAX_DIGITS = 20  # uint64; a longer string is not a count (and int() refuses over 4,300 digits)


def count_of(value: Any, what: str) -> int:
    """A non-negative count given as an integer or a decimal string; MalformedAnswer otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and 0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    raise MalformedAnswer(f"{what} is not a count")


def impact_of_stats(answer: Any) -> DataImpact:
    """Records and namespaces of a describe_index_stats answer (2026-07 `IndexDescription`), or why
    they are unknown (the reason starts `describe_index_stats answered`)."""
    try:
        return DataImpact.counted(*_counts(answer))
    except MalformedAnswer as exc:
        return DataImpact.unreadable(f"describe_index_stats answered {exc}")


def _counts(answer: Any) -> tuple[int, int]:
    if not isinstance(answer, Mapping):
        raise MalformedAnswer("without a body")
    namespaces, total = answer.get("namespaces"), answer.get("totalVectorCount")
    if namespaces is not None and not isinstance(namespaces, Mapping):
        raise MalformedAnswer("namespaces that are not an object")
    if total is not None:
        records = count_of(total, "a totalVectorCount that")
    elif namespaces is not None:  # the namespace summaries say the same, namespace by namespace
        records = sum(_summary_count(summary) for summary in namespaces.values())
    else:  # an answer that says nothing is never "empty"
        raise MalformedAnswer("without a record count")
    if namespaces is None:
        if records:
            raise MalformedAnswer(f"{records:,} records without their namespaces")
        return 0, 0  # an empty index: an empty map may be left out
    return records, len(namespaces)


def _summary_count(summary: Any) -> int:
    if not isinstance(summary, Mapping):
        raise MalformedAnswer("a namespace summary that is not an object")
    if "vectorCount" not in summary:
        return 0
    return count_of(summary["vectorCount"], "a namespace's vectorCount that")
