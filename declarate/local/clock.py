"""Wall-clock time and its RFC 3339 rendering.

Every timestamp the local control plane stores is seconds since the epoch (a float), so derived
states survive restarts; this module renders them the way the API does. Tests move the clock with
``advance`` (process-wide: scheduled backup runs and retention are derived from it). It must not
read settings or storage.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

_offset = 0.0


def now() -> float:
    """Seconds since the epoch (plus whatever ``advance`` added)."""
    return time.time() + _offset


def advance(seconds: float) -> None:
    """Move this process's clock forward (tests: let a schedule run or a retention expire)."""
    global _offset
    _offset += seconds


def reset() -> None:
    """Back to the wall clock."""
    global _offset
    _offset = 0.0


def rfc3339(timestamp: float) -> str:
    """``2026-07-01T12:00:00.123Z`` for a timestamp."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
