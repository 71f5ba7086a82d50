"""The safety rules of renames: when a `rename` change may not run, and what would let it.

Read by `safety.RULES` like every other rule, so a blocked rename shows all its reasons at once. A
rename of an index deletes the old index once its records have moved, so the rules that guard a
delete guard it too (ownership, deletion protection), and what a backup cannot carry (a pod index, a
changed dimension, metric, cloud or region) stays blocked. Pure; it never changes a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from declarate.engine.ownership import is_owned, tag_text
from declarate.engine.renames import resumes_rename
from declarate.model.address import Kind
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Block, Change
from declarate.model.state import scope_of

if TYPE_CHECKING:
    from declarate.engine.safety import Rule, SafetyContext

RULE_RENAME_CONFLICT = "rename-conflict"
RULE_RENAME_POD = "rename-pod"
RULE_RENAME_IMMUTABLE = "rename-immutable"
RULE_RENAME_UNOWNED = "rename-unowned"
RULE_DELETION_PROTECTION = "deletion-protection"  # the delete rule's name: the same protection


def _old_name(change: Change) -> str:
    return change.renamed_from.name if change.renamed_from is not None else change.address.name


def rename_conflict(change: Change, context: SafetyContext) -> Block | None:
    """Both names live: which one holds the data to keep is not declarate's to guess."""
    if change.action is not Action.RENAME or change.address not in context.live:
        return None
    if resumes_rename(context.live.get(change.address), change.renamed_from):
        return None  # the new index is this rename's own, left unfinished by a killed run
    old = _old_name(change)
    return Block(
        RULE_RENAME_CONFLICT,
        f"both {old} and {change.address.name} exist live: a rename needs the new name free, and "
        "declarate will not guess which one to keep",
        f"delete the {change.kind.value} you do not want by hand, or remove renamed_from: {old} when "
        "the rename is already done",
    )


def rename_pod(change: Change, context: SafetyContext) -> Block | None:
    """Only serverless indexes have backups, so only they can be renamed."""
    if change.action is not Action.RENAME or change.kind is not Kind.INDEX:
        return None
    deployments = (
        (change.before or {}).get("deployment") or {},
        (change.after or {}).get("deployment") or {},
    )
    if not any(d.get("deployment_type") in ("pod", "byoc") for d in deployments):
        return None
    return Block(
        RULE_RENAME_POD,
        f"only serverless indexes can be renamed (through a backup); {_old_name(change)} is not serverless",
        "none: keep the old name, or create the new index and move the records yourself",
    )


def rename_immutable(change: Change, context: SafetyContext) -> Block | None:
    """A rename keeps what the old object was; an immutable field it would change needs a replace."""
    if change.action is not Action.RENAME:
        return None
    paths = [
        f.display_path for f in change.fields if f.path != "name" and f.change_class is Mutability.REPLACE
    ]
    if not paths:
        return None
    return Block(
        RULE_RENAME_IMMUTABLE,
        f"immutable fields differ from the live {change.kind.value} {_old_name(change)} "
        f"({', '.join(paths)}): a rename keeps them, and changing them destroys the data",
        "none: rename first with the live values, then change them in a later plan (a replace)",
    )


def rename_unowned(change: Change, context: SafetyContext) -> Block | None:
    """An index rename deletes the old index: only one declarate owns, in a scope read whole."""
    if change.action is not Action.RENAME or change.kind is not Kind.INDEX or change.renamed_from is None:
        return None
    old = context.live.get(change.renamed_from)
    tag = tag_text(context.settings)
    if old is None or (is_owned(old, context.settings) and scope_of(old.address) in context.live.scopes):
        return None
    return Block(
        RULE_RENAME_UNOWNED,
        f"index {old.address.name} is not tagged {tag}: a rename deletes it once its records moved, and "
        "declarate never deletes an index it does not own",
        f"tag index {old.address.name} `{tag}` by hand, or declare it under its own name first (adopt)",
    )


def rename_deletion_protection(change: Change, context: SafetyContext) -> Block | None:
    """Pinecone refuses to delete a protected index, and the rename must delete the old one."""
    if change.action is not Action.RENAME or change.kind is not Kind.INDEX or change.renamed_from is None:
        return None
    old_index = context.live.get(change.renamed_from)  # gone already when a killed rename resumes
    if old_index is None or old_index.attrs.get("deletion_protection") != "enabled":
        return None
    old = _old_name(change)
    return Block(
        RULE_DELETION_PROTECTION,
        f"deletion protection is enabled on index {old}, which the rename deletes once its records moved",
        f"declare index {old} (without renamed_from) with deletion_protection: disabled and apply, then "
        "rename (the new index gets the protection you declare)",
    )


RENAME_RULES: tuple[Rule, ...] = (
    rename_conflict,
    rename_pod,
    rename_immutable,
    rename_unowned,
    rename_deletion_protection,
)
