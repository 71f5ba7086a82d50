"""Terminal styling: ANSI codes when color is on, the bare text when it is off.

Plain output carries no escape code at all, so it can be piped, diffed and stored as a golden file.
This module must not decide what is shown, only how it looks.
"""

from __future__ import annotations

from enum import StrEnum


class Style(StrEnum):
    """Named looks, so views say what a piece of text is rather than which color it has."""

    CREATE = "32"  # green
    UPDATE = "33"  # yellow
    REPLACE = "35"  # magenta
    DELETE = "31"  # red
    BLOCKED = "1;31"  # bold red
    WARNING = "33"
    ERROR = "31"
    OK = "32"
    MUTED = "2"  # dim
    HEADING = "1"  # bold


class Painter:
    """Wraps text in a style's ANSI codes, or returns it unchanged when color is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: Style) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{style.value}m{text}\x1b[0m"
