"""Wall-clock time and its RFC 3339 rendering.

Every timestamp the local control plane stores is seconds since the epoch (a float), so derived
states survive restarts; this module renders them the way the API does. It must not read settings
or storage.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def rfc3339(timestamp: float) -> str:
    """``2026-07-01T12:00:00.123Z`` for a timestamp."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
