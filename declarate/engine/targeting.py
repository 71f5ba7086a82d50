"""Targeting flags checked: `--only`, `--allow-replace` and `--allow-delete` must name something.

An address that matches nothing in the config or in live state is almost always a typo, and a typo in
an override silently does nothing (DESIGN §9.1): each one is reported with the closest addresses
that exist. Pure; it decides nothing about the plan itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from declarate.errors import UnmatchedAddress
from declarate.model.address import Address
from declarate.model.settings import Overrides
from declarate.model.state import State

SUGGESTIONS = 1  # the closest only: a list of near names reads as noise
SIMILARITY = 0.6  # difflib's default cutoff: close enough to be the same name mistyped


def unmatched_addresses(overrides: Overrides, desired: State, live: State) -> list[UnmatchedAddress]:
    """Each override address that names nothing declared or live, with the closest that do."""
    if not (overrides.only or overrides.allow_replace or overrides.allow_delete):
        return []  # nothing to check: listing every address of 5,000 indexes took 20 ms
    known = sorted({*desired.resources, *live.resources}, key=str)
    texts = [str(a) for a in known]
    prefixes = sorted({p for a in known for p in _prefixes(a)})
    found = [
        UnmatchedAddress("--only", prefix, _closest(prefix.rstrip("/"), prefixes))
        for prefix in overrides.only
        if not any(address.matches_prefix(prefix) for address in known)
    ]
    for flag, addresses in (
        ("--allow-replace", overrides.allow_replace),
        ("--allow-delete", overrides.allow_delete),
    ):
        present = set(texts)
        found.extend(
            UnmatchedAddress(flag, address, _closest(address, texts))
            for address in sorted(addresses)
            if address not in present
        )
    return found


def _prefixes(address: Address) -> Iterable[str]:
    """Every whole-segment prefix `--only` could select the address by (`project/a`, `project/a/index`)."""
    parts = str(address).split("/")
    return ("/".join(parts[:n]) for n in range(1, len(parts) + 1))


def _closest(value: str, candidates: list[str]) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(value, candidates, n=SUGGESTIONS, cutoff=SIMILARITY))
