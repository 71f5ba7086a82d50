"""Terminal hygiene: the one escaping function for names and values from config, live state or servers.

`printable(text)` shows every character that could steer a terminal or a reader as text: C0 controls
(ESC, CR, LF, BEL, TAB...), DEL, C1 controls (a single-byte CSI or OSC), and the invisible formatting
characters that reorder or hide text (bidi overrides and isolates, zero-width characters, line and
paragraph separators). `\\x1b`, `\\r`, `\\n`, `\\u202e` are printed instead, so a key named
`ESC[2J` or `\\r\\nPlan: 0 to create` is inert and visible. Every view applies it to every hostile
piece of text it shows (Markdown and annotations escape their own structure on top). It decides
nothing about what is shown and never strips: a reader must see that something odd is there.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control or invisible formatting character shown as an escape (`\\x1b`)."""
    return _UNSAFE.sub(_shown, text)
