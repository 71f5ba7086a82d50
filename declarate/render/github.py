"""GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=...::message` annotations.

Config diagnostics and blocked changes become annotations on the lines that cause them, escaped by
GitHub's rules (`%`, CR and LF in every value; `:` and `,` as well in properties). It must not decide
which changes are blocked (the plan says so), and must not print.
"""

from __future__ import annotations

from collections.abc import Iterable

from declarate.diagnostics import Diagnostic, Severity
from declarate.model.plan import Action, Plan
from declarate.model.resource import Origin
from declarate.render.escape import printable

TITLE = "declarate"


def escape_data(text: str) -> str:
    """A message after `::`: `%`, CR and LF percent-encoded (`%` first, so nothing is encoded twice).

    Control characters are shown as text first (`printable`): the runner's log renders ANSI codes.
    """
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (`file=`, `title=`): as a message, plus `:` and `,`, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, origin: Origin | None, title: str = TITLE) -> str:
    """One workflow command; file, line and col only when the position is known."""
    props: list[str] = []
    if origin is not None:
        props += [f"file={escape_property(origin.file)}", f"line={origin.line}", f"col={origin.column}"]
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def diagnostic_annotations(diagnostics: Iterable[Diagnostic]) -> str:
    """`::error` for each config error and `::warning` for each warning, one per line."""
    lines = []
    for d in diagnostics:
        level = "error" if d.severity is Severity.ERROR else "warning"
        message = f"{d.path}: {d.message}" if d.path else d.message
        if d.hint:
            message += f" ({d.hint})"
        lines.append(annotation(level, message, origin=d.origin))
    return "\n".join(lines)


def plan_annotations(plan: Plan) -> str:
    """`::error` for each rule blocking a change, at its source line; `::warning` for each allowed replace."""
    lines = []
    for change in plan.changes:
        for block in change.blocks:
            message = f"{change.address} ({change.action.value}) is blocked: {block.message}; override: {block.override}"
            lines.append(
                annotation("error", message, origin=change.source, title=f"{TITLE}: blocked ({block.rule})")
            )
        if not change.blocks and change.action is Action.REPLACE:
            message = f"{change.address} will be replaced (deleted, then created)"
            if change.reason:
                message += f": {change.reason}"
            lines.append(annotation("warning", message, origin=change.source, title=f"{TITLE}: replace"))
    return "\n".join(lines)
