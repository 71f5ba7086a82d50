"""The plan: pure data describing what apply will do, and its versioned JSON form (a public contract).

Renderers show a Plan; apply executes it; neither recomputes it. `to_json` and `from_json` round-trip
exactly. A plan never holds a secret: attrs are canonical configuration, and secret values only ever
exist in the create responses apply receives. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from declarate.model.address import Address, Kind
from declarate.model.kinds import KINDS, Mutability
from declarate.model.resource import Origin

FORMAT_VERSION = "2"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"  # take ownership of an existing, untagged object (tag it, reconcile in place)
    REPLACE = "replace"  # delete then create: data loss
    DELETE = "delete"
    RENAME = "rename"  # the live object at `renamed_from` becomes this address, its data kept
    # Let go of an owned object the config declares `ensure: unmanaged`: remove declarate's ownership
    # tag (one in-place tag update), never delete it. Tagless kinds have no mark to remove.
    UNMANAGE = "unmanage"


CHANGE_ACTIONS: tuple[Action, ...] = tuple(Action)


@dataclass(frozen=True)
class FieldDiff:
    """One attribute that differs: its live value, its desired value, and why it matters.

    `path` is the canonical attribute path (`schema.fields._values.dimension`); `shown_as` the path
    in the config's own words (`dimension`, `spec.serverless.region`) when they differ; `default`
    is True when the desired value was not written in the config (an API default, or the ownership
    tag), so views show it apart from what the user declared. `mutability` is the path's rule in
    the `KINDS` table, decided once by the diff: the planner, safety and the views read it here.
    """

    path: str
    before: Any
    after: Any
    reason: str
    source: Origin | None = None
    shown_as: str | None = None
    default: bool = False
    mutability: Mutability = Mutability.IN_PLACE

    @property
    def display_path(self) -> str:
        """The path a person reads: the config's own words where it has them."""
        return self.shown_as or self.path

    @property
    def change_class(self) -> Mutability:
        """How this change of the field is carried out.

        A ONE_WAY field may be switched on (cmek false -> true) in place; only the opposite move
        stays ONE_WAY, which is the violation the plan blocks.
        """
        if self.mutability is Mutability.ONE_WAY and not (bool(self.before) and not bool(self.after)):
            return Mutability.IN_PLACE
        return self.mutability


@dataclass(frozen=True)
class Block:
    """Why a change may not run, and the exact override that would let it."""

    rule: str
    message: str
    override: str


@dataclass(frozen=True)
class DataImpact:
    """What deleting an index destroys, or renaming it carries, read from its data plane
    (`describe_index_stats`).

    `records` and `namespaces` are None exactly when the count could not be read; `unknown` then says
    why (a server's words, kept as data: views escape and redact it).
    """

    records: int | None = None
    namespaces: int | None = None
    unknown: str | None = None

    @classmethod
    def counted(cls, records: int, namespaces: int) -> DataImpact:
        return cls(records, namespaces, None)

    @classmethod
    def unreadable(cls, reason: str) -> DataImpact:
        return cls(None, None, reason or "no reason given")

    @property
    def holds_data(self) -> bool:
        """True unless the index is known to hold no record: an unread count may hide data."""
        return self.records is None or self.records > 0

    def counts_text(self) -> str:
        """`12,345 records in 3 namespaces` (`1 record in 1 namespace`); '' when the count is unknown."""
        if self.records is None or self.namespaces is None:
            return ""
        records = f"{self.records:,} record{'' if self.records == 1 else 's'}"
        return f"{records} in {self.namespaces:,} namespace{'' if self.namespaces == 1 else 's'}"

    def summary(self, verb: str = "destroys") -> str:
        """`destroys 12,345 records in 3 namespaces` (`verb` first), or `unknown: REASON` (the reason as
        the server said it)."""
        if self.records is None:
            return f"unknown: {self.unknown}"
        return f"{verb} {self.counts_text()}"

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "namespaces": self.namespaces, "unknown": self.unknown}

    @classmethod
    def from_json(cls, data: Any) -> DataImpact | None:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise TypeError(f"data_impact must be an object or null, found {json_type(data)}")
        records, namespaces, unknown = data.get("records"), data.get("namespaces"), data.get("unknown")
        if records is None or namespaces is None:
            return cls.unreadable(str(unknown or ""))
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (records, namespaces)):
            raise TypeError("data_impact records and namespaces must be counts (integers >= 0)")
        return cls.counted(records, namespaces)


@dataclass(frozen=True)
class Change:
    """One action on one resource.

    `before` is the live canonical attrs (None for a create), `after` the desired ones (None for a
    delete). `depends_on` names changes that must succeed first.
    """

    address: Address
    action: Action
    fields: tuple[FieldDiff, ...] = ()
    blocks: tuple[Block, ...] = ()  # every rule that blocks it, hardest first (no flag lifts the first ones)
    source: Origin | None = None
    reason: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    depends_on: tuple[Address, ...] = ()
    renamed_from: Address | None = None  # a rename: the live object it starts from (`before` is its attrs)
    # Index deletes and replaces only: the records and namespaces they destroy; index renames: the
    # ones they carry to the new name (DESIGN §9.1).
    data_impact: DataImpact | None = None
    keep_backup: bool = False  # an index rename keeps the backup it makes

    @property
    def kind(self) -> Kind:
        return self.address.kind

    @property
    def blocked(self) -> Block | None:
        """The first (hardest) rule that blocks this change, or None when it may run."""
        return self.blocks[0] if self.blocks else None


@dataclass(frozen=True)
class Unmanaged:
    """A live object no document declares and declarate does not own: reported, never touched."""

    address: Address
    reason: str = ""


@dataclass(frozen=True)
class Note:
    """Something the plan does not change but the user should know (e.g. nothing live to unmanage)."""

    address: Address
    message: str
    source: Origin | None = None


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    notes: tuple[Note, ...] = ()
    left_out: int = 0  # changes outside `--only`, not in this plan
    # Saved-plan metadata: what the plan was computed from, so apply can refuse a stale plan.
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # address -> live fingerprint
    config_digest: str | None = None
    target: str | None = None
    environment: str | None = None  # the workspace environment the plan was made for (`--env`), if any
    # Project name -> env var holding its API key (`api_key_env`): names only, never values, so a
    # saved plan is applied with the same keys the plan was read with.
    api_key_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.blocked is not None)

    def summary(self) -> dict[str, int]:
        """Counts per action, plus `blocked` and `unmanaged`."""
        counts = {a.value: 0 for a in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        counts["blocked"] = len(self.blocked)
        counts["unmanaged"] = len(self.unmanaged)
        return counts

    def summary_line(self) -> str:
        """`Plan: 2 to create, 1 to update, 0 to replace, 1 to delete. 1 blocked. 3 unmanaged.`"""
        s = self.summary()
        line = (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
            f"{s['delete']} to delete."
        )
        if s["adopt"]:
            line = line[:-1] + f", {s['adopt']} to adopt."
        if s["rename"]:
            line = line[:-1] + f", {s['rename']} to rename."
        if s["unmanage"]:
            line = line[:-1] + f", {s['unmanage']} to unmanage."
        if s["blocked"]:
            line += f" {s['blocked']} blocked."
        if s["unmanaged"]:
            line += f" {s['unmanaged']} unmanaged."
        return line

    def left_out_line(self) -> str:
        """`3 changes outside --only were left out.`, or '' when --only left nothing out."""
        if not self.left_out:
            return ""
        noun = "change" if self.left_out == 1 else "changes"
        verb = "was" if self.left_out == 1 else "were"
        return f"{self.left_out} {noun} outside --only {verb} left out."

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON plan (schemas/plan.schema.json)."""
        return {
            "format_version": FORMAT_VERSION,
            "has_changes": self.has_changes,
            "blocked": bool(self.blocked),
            "summary": self.summary(),
            "left_out": self.left_out,
            "changes": [_change_to_json(c) for c in self.changes],
            "unmanaged": [
                {"address": str(u.address), "kind": u.address.kind.value, "reason": u.reason}
                for u in self.unmanaged
            ],
            "notes": [
                {"address": str(n.address), "message": n.message, "source": _origin_to_json(n.source)}
                for n in self.notes
            ],
            "fingerprints": dict(sorted(self.fingerprints.items())),
            "config_digest": self.config_digest,
            "target": self.target,
            "environment": self.environment,
            "api_key_env": dict(sorted(self.api_key_env.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        """Read a plan written by `to_json`; raises PlanFormatError on another format version."""
        if not isinstance(data, Mapping):
            # A file edited by hand may hold any JSON at all: say what it holds, never crash on it.
            raise PlanFormatError(f"expected a JSON object, found {json_type(data)}")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise PlanFormatError(
                f"unsupported plan format_version {version!r} (expected {FORMAT_VERSION!r})"
            )
        try:
            return cls(
                changes=tuple(_change_from_json(c) for c in data["changes"]),
                unmanaged=tuple(
                    Unmanaged(Address.parse(u["address"]), u.get("reason", "")) for u in data["unmanaged"]
                ),
                notes=tuple(
                    Note(Address.parse(n["address"]), str(n["message"]), _origin_from_json(n.get("source")))
                    for n in data.get("notes", [])
                ),
                left_out=int(data.get("left_out", 0)),
                fingerprints=_fingerprints(data["fingerprints"]),
                config_digest=data.get("config_digest"),
                target=data.get("target"),
                environment=data.get("environment"),
                api_key_env=dict(data.get("api_key_env") or {}),
            )
        except KeyError as exc:
            raise PlanFormatError(f"malformed plan: missing key {exc}") from exc
        except (TypeError, ValueError, AttributeError) as exc:
            raise PlanFormatError(f"malformed plan: {exc}") from exc


class PlanFormatError(ValueError):
    """A saved plan that this version of declarate cannot read."""


def json_type(value: Any) -> str:
    """How JSON would call the type of a decoded value (`an array`, `null`, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else type(value).__name__


def _fingerprints(value: Any) -> dict[str, str]:
    """Address -> fingerprint; a saved plan always has them (an empty object when it read nothing)."""
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError(f"fingerprints must be an object of strings, found {json_type(value)}")
    return {str(k): v for k, v in value.items()}


def _attrs_from_json(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """A change's `before` or `after`: an object or null."""
    value = data.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{key} of {data.get('address')} must be an object or null, found {json_type(value)}")
    return value


def _origin_to_json(origin: Origin | None) -> dict[str, Any] | None:
    return None if origin is None else {"file": origin.file, "line": origin.line, "column": origin.column}


def _origin_from_json(data: Mapping[str, Any] | None) -> Origin | None:
    return None if data is None else Origin(data["file"], int(data["line"]), int(data.get("column", 1)))


def _change_to_json(change: Change) -> dict[str, Any]:
    return {
        "address": str(change.address),
        "kind": change.kind.value,
        "action": change.action.value,
        "reason": change.reason,
        "blocks": [{"rule": b.rule, "message": b.message, "override": b.override} for b in change.blocks],
        "fields": [
            {
                "path": f.path,
                "before": f.before,
                "after": f.after,
                "reason": f.reason,
                "source": _origin_to_json(f.source),
                **({"shown_as": f.shown_as} if f.shown_as else {}),
                **({"default": True} if f.default else {}),
            }
            for f in change.fields
        ],
        "source": _origin_to_json(change.source),
        "before": None if change.before is None else dict(change.before),
        "after": None if change.after is None else dict(change.after),
        "depends_on": [str(a) for a in change.depends_on],
        **({"renamed_from": str(change.renamed_from)} if change.renamed_from is not None else {}),
        **({} if change.data_impact is None else {"data_impact": change.data_impact.to_json()}),
        **({"keep_backup": True} if change.keep_backup else {}),
    }


def _change_from_json(data: Mapping[str, Any]) -> Change:
    if not isinstance(data, Mapping):
        raise TypeError(f"each change must be an object, found {json_type(data)}")
    address = Address.parse(data["address"])
    # The JSON form leaves a field's mutability out (it is the KINDS table's, not the plan's): read
    # back, each field gets it from the same table the diff read.
    spec = KINDS[address.kind]
    return Change(
        address=address,
        action=Action(data["action"]),
        reason=data.get("reason", ""),
        blocks=tuple(Block(b["rule"], b["message"], b["override"]) for b in data["blocks"]),
        fields=tuple(
            FieldDiff(
                f["path"],
                f["before"],
                f["after"],
                f["reason"],
                _origin_from_json(f.get("source")),
                f.get("shown_as"),
                bool(f.get("default", False)),
                spec.rule_for(f["path"]).mutability,
            )
            for f in data.get("fields", [])
        ),
        source=_origin_from_json(data.get("source")),
        before=_attrs_from_json(data, "before"),
        after=_attrs_from_json(data, "after"),
        depends_on=tuple(Address.parse(a) for a in data.get("depends_on", [])),
        renamed_from=Address.parse(data["renamed_from"]) if data.get("renamed_from") is not None else None,
        data_impact=DataImpact.from_json(data.get("data_impact")),
        keep_backup=data.get("keep_backup") is True,
    )
