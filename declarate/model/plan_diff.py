"""How a saved plan's change list differs from the one recomputed at apply: the data of a refusal.

Both sides are the JSON form of the changes, as the plan file holds them, so a difference in anything
a reviewer read (address, action, fields, blocks, dependencies, attributes) is found, including keys
this version does not know. It only compares; `cli`/`render` turn the differences into words. Stdlib
only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Keys compared whole, after `action` and `fields`, in the order a reader cares about them.
_KEYS_IN_ORDER = ("blocks", "depends_on", "after", "before", "kind", "reason", "source")
# A record count moves whenever someone writes to the index: what it changes about the plan (whether
# the data-loss rule blocks the change) shows in `blocks`, which are compared; the count itself is
# shown afresh, never compared.
_NOT_COMPARED = ("data_impact",)


@dataclass(frozen=True)
class PlanDifference:
    """One way a saved change differs from re-planning now.

    `aspect` is `change` (a change on one side only), `action`, `field PATH` or another change key;
    `saved` is what the file says and `now` what re-planning gives (None: nothing there). `note`
    says why re-planning has no change for an address, when it reports the object as unmanaged.
    """

    address: str
    aspect: str
    saved: Any
    now: Any
    note: str = ""


def change_differences(
    saved: Sequence[Mapping[str, Any]],
    now: Sequence[Mapping[str, Any]],
    unmanaged: Mapping[str, str] | None = None,
) -> list[PlanDifference]:
    """Every difference between two change lists in JSON form, by address (in the saved order, then new).

    `unmanaged` maps the addresses re-planning reports as unmanaged to its reason, to explain a change
    the file has and re-planning refuses to make.
    """
    reasons = unmanaged or {}
    found: list[PlanDifference] = []
    saved_by_address: dict[str, Mapping[str, Any]] = {}
    for change in saved:
        address = str(change.get("address"))
        if address in saved_by_address:
            found.append(PlanDifference(address, "change", "listed twice", "listed once"))
        saved_by_address[address] = change
    now_by_address = {str(c["address"]): c for c in now}
    for address, change in saved_by_address.items():
        current = now_by_address.get(address)
        if current is None:
            found.append(
                PlanDifference(address, "change", change.get("action"), None, reasons.get(address, ""))
            )
        else:
            found.extend(_change_differences(address, change, current))
    for address, current in now_by_address.items():
        if address not in saved_by_address:
            found.append(PlanDifference(address, "change", None, current.get("action")))
    return found


def _change_differences(
    address: str, saved: Mapping[str, Any], now: Mapping[str, Any]
) -> list[PlanDifference]:
    if saved.get("action") != now.get("action"):
        # Another action makes every other key differ too: the action says it all.
        return [PlanDifference(address, "action", saved.get("action"), now.get("action"))]
    found = _field_differences(address, saved.get("fields"), now.get("fields"))
    keys = [
        *_KEYS_IN_ORDER,
        *sorted(set(saved) | set(now) - {"address", "action", "fields", *_KEYS_IN_ORDER, *_NOT_COMPARED}),
    ]
    for key in keys:
        if saved.get(key) != now.get(key):
            found.append(PlanDifference(address, key, saved.get(key), now.get(key)))
    return found


def _field_differences(address: str, saved: Any, now: Any) -> list[PlanDifference]:
    if not isinstance(saved, list) or not isinstance(now, list):
        return [] if saved == now else [PlanDifference(address, "fields", saved, now)]
    saved_fields = _by_path(saved)
    now_fields = _by_path(now)
    found = []
    for path in [*saved_fields, *(p for p in now_fields if p not in saved_fields)]:
        before, after = saved_fields.get(path), now_fields.get(path)
        if before != after:
            found.append(PlanDifference(address, f"field {path}", before, after))
    if not found and saved != now:
        found.append(PlanDifference(address, "fields", saved, now))  # same fields, another order
    return found


def _by_path(fields: list[Any]) -> dict[str, Any]:
    return {str(f.get("path")) if isinstance(f, Mapping) else repr(f): f for f in fields}
