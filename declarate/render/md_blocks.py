"""Markdown building blocks for PR comments: escaping, code spans, fences, and fitting under a limit.

GitHub rejects comments over 65,536 characters, so every Markdown view is assembled from a head that
is always kept and detail sections that are dropped from the end, with a note saying what was left out.
This module knows Markdown, not plans: it must not look inside a Plan.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from declarate.render.escape import printable

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|#~])")
_BACKTICK_RUN = re.compile(r"`+")
HARD_CUT_NOTE = "\n\n(truncated)\n"


def escape(text: str) -> str:
    """Text safe in a paragraph or table cell: HTML escaped, Markdown punctuation and pipes backslashed."""
    one_line = printable(text)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(one_line, quote=False))


def escape_html(text: str) -> str:
    """Text safe inside an HTML element such as `<summary>` (no Markdown is parsed there)."""
    return html.escape(printable(text), quote=False)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)


def code(text: str, *, in_table: bool = True) -> str:
    """An inline code span that survives backticks in `text`, and pipes when inside a table."""
    one_line = printable(text)
    if in_table:
        # GFM splits table cells on `|` even inside code spans; `\|` is the documented escape there.
        one_line = one_line.replace("|", "\\|")
    ticks = "`" * (_longest_backtick_run(one_line) + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fence(body: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in `body`."""
    ticks = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{ticks}{language}\n{body}\n{ticks}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, align: str = "---") -> str:
    """A GFM table from already escaped cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(f" {align} " for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def details(summary_html: str, body: str) -> str:
    """A collapsed `<details>` block; blank lines around the body let GitHub render Markdown inside."""
    return f"<details><summary>{summary_html}</summary>\n\n{body}\n\n</details>"


def bounded_list(items: Sequence[str], budget: int, more: Callable[[int], str]) -> list[str]:
    """As many of `items` as fit in `budget` characters, then `more(n_left_out)` if any were left out."""
    kept: list[str] = []
    used = 0
    for position, item in enumerate(items):
        if used + len(item) + 1 > budget:
            return [*kept, more(len(items) - position)]
        kept.append(item)
        used += len(item) + 1
    return kept


@dataclass(frozen=True)
class Section:
    """One droppable detail section and what it shows, so a truncation note can count what is missing."""

    text: str
    changes: int


def joined_length(head: Sequence[str], sections: Sequence[Section], tail: Sequence[str]) -> int:
    """The length `fit` would produce without dropping anything."""
    parts = [len(p) for p in [*head, *tail] if p] + [len(s.text) for s in sections]
    return sum(parts) + 2 * max(len(parts) - 1, 0)


def fit(
    head: Sequence[str],
    sections: Sequence[Section],
    tail: Sequence[str],
    *,
    limit: int,
    note: Callable[[int, int], str],
) -> str:
    """head + sections + tail joined by blank lines, never longer than `limit` characters.

    Sections are dropped from the end until the document fits; `note(sections_left_out,
    changes_left_out)` is then placed where they were. If even head and tail alone do not fit (an
    absurdly small limit), the text is cut hard with a marker, so the bound always holds.
    """
    parts = [p for p in head if p]
    ending = [p for p in tail if p]
    fixed = sum(len(p) for p in parts) + sum(len(p) for p in ending)
    fixed_count = len(parts) + len(ending)
    section_chars = [len(s.text) for s in sections]
    if joined_length(parts, sections, ending) <= limit:
        return "\n\n".join([*parts, *(s.text for s in sections), *ending])
    # Keep the longest prefix of sections that fits beside the note (lengths summed, not joined, so
    # a plan of thousands of sections is fitted in one pass).
    kept_chars = sum(section_chars)
    left_out_changes = 0
    kept = len(sections)
    while True:
        if kept > 0:
            kept -= 1
            kept_chars -= section_chars[kept]
            left_out_changes += sections[kept].changes
        note_text = note(len(sections) - kept, left_out_changes)
        length = fixed + kept_chars + len(note_text) + 2 * (fixed_count + kept)
        if length <= limit or kept == 0:
            break
    text = "\n\n".join([*parts, *(s.text for s in sections[:kept]), note_text, *ending])
    if len(text) <= limit:
        return text
    if limit <= len(HARD_CUT_NOTE):
        return text[:limit]
    return text[: limit - len(HARD_CUT_NOTE)] + HARD_CUT_NOTE
