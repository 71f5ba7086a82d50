"""The command line's two rich consoles (stdout, stderr), each made on first use, and its error lines.

Importing rich costs more than all of `declarate --version`, so a command that prints nothing rich
(`--version`, a clean `validate`) never loads it. Only the cli prints through these. `fail` and `note`
are the cli's own messages: redacted (`declarate.redaction`), escaped (`render.escape.printable`) and
never read as rich markup, so a name holding `[bold]` or ESC prints as written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from declarate.redaction import redact
from declarate.render.escape import printable

if TYPE_CHECKING:
    from rich.console import Console


# Variables with which rich decides "terminal" otherwise than the stream's isatty().
_RICH_TERMINAL_OVERRIDES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")


class LazyConsole:
    """A rich Console built on first attribute access; `console` is the Console itself."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    @property
    def is_terminal(self) -> bool:
        """Whether the stream is a terminal: asked of the stream itself in the usual case (no rich
        import), of rich when an environment variable may override the answer."""
        if self._console is None and not any(name in os.environ for name in _RICH_TERMINAL_OVERRIDES):
            stream = sys.stderr if self._stderr else sys.stdout
            isatty = getattr(stream, "isatty", None)
            return bool(isatty is not None and isatty())
        return bool(self.console.is_terminal)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole(stderr=False)
err = LazyConsole(stderr=True)


def fail(message: str, code: int = 1, *, lines: Sequence[str] = ()) -> NoReturn:
    """`Error: message`, then `lines` one per line, on stderr; then exit `code`."""
    from rich.text import Text

    text = printable(redact(message)) + "".join(f"\n{printable(redact(line))}" for line in lines)
    label = Text("Error:", style="bold red") if err.is_terminal else Text("Error:")
    err.print(Text.assemble(label, " ", text), highlight=False)
    sys.exit(code)


def note(*lines: str) -> None:
    """Each line on stderr."""
    for line in lines:
        err.print(printable(redact(line)), markup=False)
