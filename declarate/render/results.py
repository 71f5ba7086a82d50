"""Apply results for a terminal: one row per change (address, action, outcome, message) and a count.

Shows where a secret created by the run was written, never the secret. It must not decide outcomes
(apply reports them), and must not print.
"""

from __future__ import annotations

from collections.abc import Sequence

from declarate.model.address import Address
from declarate.model.plan import Action, Plan
from declarate.providers.base import ChangeResult, Outcome
from declarate.render.escape import printable
from declarate.render.style import Painter, Style

OUTCOME_STYLES: dict[Outcome, Style] = {
    Outcome.DONE: Style.OK,
    Outcome.ALREADY: Style.MUTED,
    Outcome.FAILED: Style.ERROR,
    Outcome.SKIPPED: Style.WARNING,
}


def render_apply_results(
    results: Sequence[ChangeResult], *, color: bool, plan: Plan | None = None, interrupted: bool = False
) -> str:
    """A result table and `Apply complete: 3 done, 1 already, 0 failed, 0 skipped.`

    With `plan`, each row also names the change's action. `interrupted`: the apply was cut short
    (Ctrl-C), so the table holds only the changes that finished and the summary says how many did not.
    """
    paint = Painter(color)
    actions: dict[Address, Action] = {c.address: c.action for c in plan.changes} if plan else {}
    header = ["ADDRESS", *(["ACTION"] if plan else []), "OUTCOME", "MESSAGE"]
    rows = [_row(result, actions, with_action=plan is not None) for result in results]
    lines: list[str] = []
    if rows:
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
        lines.append(paint(_join(header, widths), Style.HEADING))
        for result, row in zip(results, rows, strict=True):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            # Paint after padding: escape codes must not count toward column widths.
            cells[-1] = paint(cells[-1], OUTCOME_STYLES[result.outcome])
            lines.append("  ".join([*cells, row[-1]]).rstrip())
        lines.append("")
    counts = {outcome: sum(1 for r in results if r.outcome is outcome) for outcome in Outcome}
    tally = (
        f"{counts[Outcome.DONE]} done, {counts[Outcome.ALREADY]} already, "
        f"{counts[Outcome.FAILED]} failed, {counts[Outcome.SKIPPED]} skipped"
    )
    if interrupted:
        unfinished = f"; {len(plan.changes) - len(results)} not finished" if plan else ""
        summary = f"Apply interrupted: {tally}{unfinished}. Run plan to see what is left."
        style = Style.ERROR
    else:
        summary = f"Apply complete: {tally}."
        style = Style.ERROR if counts[Outcome.FAILED] else Style.HEADING
    lines.append(paint(summary, style))
    return "\n".join(lines)


def _row(result: ChangeResult, actions: dict[Address, Action], *, with_action: bool) -> list[str]:
    message = result.message
    if result.secret_path:
        written = f"secret written to {result.secret_path}"
        message = f"{message}; {written}" if message else written
    action = [actions[result.address].value if result.address in actions else "-"] if with_action else []
    return [printable(str(result.address)), *action, result.outcome.value, printable(message)]


def _join(cells: list[str], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
    return "  ".join([*padded, cells[-1]]).rstrip()
