"""A plan read as drift: which managed objects changed out of band, are missing live, or are extra.

Drift is not computed here: the plan already says it. A create means the object is missing live, an
update, adopt or replace means it changed out of band, a delete means it is live but no longer in the
config. This module only sorts the plan's changes into those headings and formats the coverage figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from declarate.model.plan import Action, Change, Plan, Unmanaged

CHANGED = "changed out of band"
MISSING = "missing live"
EXTRA = "live but not in config"

DRIFT_OF_ACTION: dict[Action, str] = {
    Action.CREATE: MISSING,
    Action.UPDATE: CHANGED,
    Action.ADOPT: CHANGED,
    Action.REPLACE: CHANGED,
    Action.DELETE: EXTRA,
    Action.RENAME: CHANGED,  # the config renamed it: the live object still has its old name
    Action.UNMANAGE: CHANGED,  # live still carries the ownership tag the config lets go of
}

NO_DRIFT = "No drift. Live state matches the config."


@dataclass(frozen=True)
class DriftReport:
    """The plan's changes under drift headings, plus coverage (managed live objects / all live)."""

    changed: tuple[Change, ...]
    missing: tuple[Change, ...]
    extra: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    managed: int
    live: int
    target: str | None = None  # the target the live state was read from, as outputs name it
    environment: str | None = None  # the workspace environment (`--env`), if any

    @property
    def drifted(self) -> bool:
        """True when any managed object differs; unmanaged objects alone are not drift."""
        return bool(self.changed or self.missing or self.extra)

    def coverage_text(self) -> str:
        """`12/15 live objects managed (80%)`; rounded down, so 100% means every live object."""
        if self.live == 0:
            return f"{self.managed}/0 live objects managed (no live objects)"
        percent = 100 * self.managed // self.live
        return f"{self.managed}/{self.live} live objects managed ({percent}%)"

    def headline(self) -> str:
        """`Drift: 3 objects differ from the config (1 changed out of band, ...).` or NO_DRIFT."""
        if not self.drifted:
            return NO_DRIFT
        total = len(self.changed) + len(self.missing) + len(self.extra)
        parts = [
            f"{len(self.changed)} {CHANGED}",
            f"{len(self.missing)} {MISSING}",
            f"{len(self.extra)} {EXTRA}",
        ]
        noun = "object differs" if total == 1 else "objects differ"
        return f"Drift: {total} {noun} from the config ({', '.join(parts)})."


def drift_report(plan: Plan, coverage: tuple[int, int]) -> DriftReport:
    """Sort a plan's changes under drift headings; `coverage` is (managed, all live) from the caller."""

    def of(heading: str) -> tuple[Change, ...]:
        return tuple(c for c in plan.changes if DRIFT_OF_ACTION[c.action] == heading)

    managed, live = coverage
    return DriftReport(
        of(CHANGED), of(MISSING), of(EXTRA), plan.unmanaged, managed, live, plan.target, plan.environment
    )
