"""The command line's two rich consoles (stdout, stderr), each made on first use.

Importing rich costs more than all of `declarate --version`, so a command that prints nothing rich
(`--version`, a clean `validate`) never loads it. Only the cli prints through these; this module
prints nothing itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


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

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)
