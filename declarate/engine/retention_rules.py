"""The safety rule of backup retention: lowering a schedule's `retain_days` deletes backups.

The API removes the backups a schedule took once they are older than its retention
(`retention_expire_after_days`), so a lower `retain_days` deletes every backup between the new and
the old window as soon as it applies: data lost that the plan must say, and that needs the same
explicit consent as deleting an index that holds records (DESIGN §9.1). Read by `safety.RULES` like
every other rule. Pure; it never changes a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from declarate.model.address import Kind
from declarate.model.plan import Action, Block, Change

if TYPE_CHECKING:
    from declarate.engine.safety import Rule, SafetyContext

RULE_DATA_LOSS = "data-loss"  # the index rule's name: the same loss, lifted the same way


def retention_cut(change: Change, context: SafetyContext) -> Block | None:
    """An update that shortens a backup schedule's retention, unless `--allow-delete ADDRESS`."""
    if change.kind is not Kind.BACKUP_SCHEDULE or change.action is not Action.UPDATE:
        return None
    before = (change.before or {}).get("retain_days")
    after = (change.after or {}).get("retain_days")
    if not isinstance(before, int) or not isinstance(after, int) or after >= before:
        return None
    if str(change.address) in context.overrides.allow_delete:
        return None
    return Block(
        RULE_DATA_LOSS,
        f"lowering retain_days from {before} to {after} deletes the backups this schedule took "
        f"more than {after} day{'' if after == 1 else 's'} ago",
        f"--allow-delete {change.address}",
    )


RETENTION_RULES: tuple[Rule, ...] = (retention_cut,)
