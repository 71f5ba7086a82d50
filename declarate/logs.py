"""Diagnostic logging for the command line: `-v`/`--debug` or `DECLARATE_LOG=LEVEL` -> stderr.

`configure(level)` installs one stderr handler on the `declarate` logger, once per process; library
modules only call `logging.getLogger(...)` and never configure anything. Records are one line each,
`declarate: DEBUG declarate.http: GET https://api.pinecone.io/admin/projects -> 200 in 41 ms ...`.
This module never decides what is logged, and logs nothing itself.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from declarate.redaction import redact
from declarate.render.escape import printable

ROOT = "declarate"
ENV = "DECLARATE_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
DEFAULT_LEVEL = logging.WARNING

_handler: logging.Handler | None = None


class UnknownLevel(ValueError):
    """DECLARATE_LOG names no level."""


def level_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """The level DECLARATE_LOG asks for (None when unset). Raises UnknownLevel on a bad name."""
    value = (os.environ if environ is None else environ).get(ENV, "").strip().lower()
    if not value:
        return None
    if value not in LEVELS:
        shown = value[:40].encode("ascii", "backslashreplace").decode()
        raise UnknownLevel(f"{ENV}={shown!r} is not a level: use one of {', '.join(LEVELS)}")
    return LEVELS[value]


class _SafeFormatter(logging.Formatter):
    """Each record as one line with every known credential redacted and control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(redact(super().format(record)))


def configure(level: int) -> None:
    """Send `declarate.*` records at `level` and above to stderr (a second call only lowers the level)."""
    global _handler
    logger = logging.getLogger(ROOT)
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(_SafeFormatter("declarate: %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(_handler)
        logger.propagate = False  # a host application's root handlers must not print them twice
        logger.setLevel(level)
    else:
        logger.setLevel(min(level, logger.level or level))
