"""Field-level diff of canonical attrs: which paths differ between live and desired, and how each changes.

Compares two canonical JSON values (the same model on both sides, so the diff never asks where a value
came from) and classifies every difference, once, with the kind's mutability table in `model.kinds`:
each FieldDiff carries its rule from here on, so nothing downstream classifies a field again. It does
not decide actions, ownership or blocks (planner, ownership and safety do) and performs no I/O.

Nested mappings are compared by deepdiff (loaded on first use), whose tree result gives each changed
path with its before and after values. Paths are dot-joined attribute names (`tags.team`, `schema.fields._values.dimension`). A dict is
diffed key by key; a list (an API key's roles) and a whole-value path (an index's `read_capacity`)
are compared as one value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from declarate.model.address import Kind
from declarate.model.kinds import KINDS
from declarate.model.plan import FieldDiff
from declarate.model.resource import Origin

OriginOf = Callable[[str], Origin | None]


class Wording(Protocol):
    """How the config wrote a resource's attributes (a desired `Resource` is one)."""

    def written(self, path: str) -> bool: ...
    def spelled(self, path: str) -> str: ...


CREATE_REASON = "set at creation"

# Paths shown and sent as one value: read capacity is configured whole (its mode decides which
# sub-object is valid), so a per-leaf diff would show changes that cannot be made on their own.
WHOLE_VALUE_PATHS: Mapping[Kind, tuple[str, ...]] = {Kind.INDEX: ("read_capacity",)}

_MISSING = object()


def _no_origin(path: str) -> Origin | None:
    return None


def thaw(value: Any) -> Any:
    """A plain JSON copy of `value`: mappings become dicts, tuples become lists (safe to mutate)."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def value_at(attrs: Any, path: str) -> Any:
    """The value at a dot-joined path, or None when any segment is missing."""
    found = _lookup(attrs, path.split("."))
    return None if found is _MISSING else found


def _lookup(value: Any, segments: Sequence[str]) -> Any:
    for segment in segments:
        if not isinstance(value, Mapping) or segment not in value:
            return _MISSING
        value = value[segment]
    return value


def apply_ignore_changes(
    desired: Mapping[str, Any], live: Mapping[str, Any], paths: Iterable[str]
) -> dict[str, Any]:
    """Desired attrs with every ignored path (and all below it) taken from live instead.

    This is what declarate will make the object look like: the paths left to other owners keep their
    live value, so they neither show as diffs nor get overwritten by an apply.
    """
    effective: dict[str, Any] = thaw(desired)
    for path in sorted(paths):
        segments = path.split(".")
        live_value = _lookup(live, segments)
        parent: Any = effective
        for segment in segments[:-1]:
            child = parent.get(segment)
            if not isinstance(child, dict):
                if live_value is _MISSING:
                    break  # nothing to remove below a value that does not exist
                child = {}
                parent[segment] = child
            parent = child
        else:
            if live_value is _MISSING:
                parent.pop(segments[-1], None)
            else:
                parent[segments[-1]] = thaw(live_value)
    return effective


def field_diff(
    kind: Kind,
    path: str,
    before: Any,
    after: Any,
    origin_of: OriginOf,
    wording: Wording | None,
    reason: str | None = None,
) -> FieldDiff:
    """One FieldDiff carrying its path's rule from the `KINDS` table (mutability, and the rule's
    reason unless `reason` is given), in the config's own words when `wording` says how the config
    wrote the object.

    A desired value the config did not write (an API default, the ownership tag) is marked
    `default`, so views show it apart from the declared fields; a removal never is.
    """
    rule = KINDS[kind].rule_for(path)
    why = rule.reason if reason is None else reason
    if wording is None:
        return FieldDiff(path, before, after, why, origin_of(path), mutability=rule.mutability)
    shown = wording.spelled(path)
    return FieldDiff(
        path,
        before,
        after,
        why,
        origin_of(path),
        shown_as=shown if shown != path else None,
        default=after is not None and not wording.written(path),
        mutability=rule.mutability,
    )


def diff_attrs(
    kind: Kind,
    live: Mapping[str, Any],
    desired: Mapping[str, Any],
    origin_of: OriginOf = _no_origin,
    wording: Wording | None = None,
) -> tuple[FieldDiff, ...]:
    """Every differing path of `kind`'s attrs, sorted by path, each with the mutability rule's reason.

    With `wording` (the desired resource), each diff also says how the config wrote its path.
    """
    if live == desired:
        return ()  # what most declared objects are: the loop below would find no key that differs
    paths: set[str] = set()
    sides: dict[str, tuple[Any, Any]] = {}  # path -> (before, after), as DeepDiff reported them
    whole = WHOLE_VALUE_PATHS.get(kind, ())
    for key in set(live) | set(desired):
        before, after = live.get(key, _MISSING), desired.get(key, _MISSING)
        if before == after:
            continue  # the common case, decided without building a DeepDiff
        if isinstance(before, Mapping) and isinstance(after, Mapping) and key not in whole:
            for path, reported in _deep_changes(kind, str(key), before, after):
                paths.add(path)
                if reported is not None:
                    sides[path] = reported
        else:
            paths.add(str(key))
    diffs: list[FieldDiff] = []
    for path in sorted(paths):
        if path in sides:
            before, after = sides[path]
        else:
            before, after = thaw(value_at(live, path)), thaw(value_at(desired, path))
        if before == after:
            continue  # e.g. None on one side and absent on the other, or a tuple against a list
        diffs.append(field_diff(kind, path, before, after, origin_of, wording))
    return tuple(diffs)


def _deep_changes(
    kind: Kind, key: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterable[tuple[str, tuple[Any, Any] | None]]:
    """Each changed path below `key`, with DeepDiff's own (before, after) when the path it reports is
    the unit shown; None when the unit is larger (a list or a whole-value path: looked up whole).

    deepdiff is imported here, on first use: it pulls in numpy, and a plan in which no mapping
    changed (or `validate`, `--version`) never needs it.
    """
    from deepdiff import DeepDiff
    from deepdiff.helper import NotPresent

    def side(value: Any) -> Any:
        return None if isinstance(value, NotPresent) else value

    tree = DeepDiff(thaw(before), thaw(after), view="tree", threshold_to_diff_deeper=0)
    for items in tree.values():
        for item in items:
            segments = [key, *item.path(output_format="list")]
            unit = _diff_unit(kind, segments)
            exact = unit == ".".join(str(segment) for segment in segments)
            yield unit, ((side(item.t1), side(item.t2)) if exact else None)


def create_fields(
    kind: Kind, desired: Mapping[str, Any], origin_of: OriginOf = _no_origin, wording: Wording | None = None
) -> tuple[FieldDiff, ...]:
    """One FieldDiff per leaf attribute of an object about to be created (before is None)."""
    leaves: list[FieldDiff] = []
    whole = WHOLE_VALUE_PATHS.get(kind, ())

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping) and value and path not in whole:
            for key in sorted(value):
                walk(value[key], f"{path}.{key}" if path else str(key))
        elif value is not None:
            leaves.append(field_diff(kind, path, None, thaw(value), origin_of, wording, CREATE_REASON))

    walk(desired, "")
    return tuple(leaves)


def _diff_unit(kind: Kind, segments: Sequence[Any]) -> str:
    """The path a raw DeepDiff location is reported under: lists and whole-value paths end it."""
    unit: list[str] = []
    for segment in segments:
        if isinstance(segment, int) and not isinstance(segment, bool):
            break  # a list is compared whole
        unit.append(str(segment))
        if ".".join(unit) in WHOLE_VALUE_PATHS.get(kind, ()):
            break
    return ".".join(unit)
