"""Client-side pacing: a token-bucket rate limit shared by every request, and retry backoff delays.

Pure timing policy over an injectable clock; it never performs a request or inspects a response body.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class TokenBucket:
    """Admits at most `rate` requests per second on average, with bursts of up to `burst`.

    A server's `Retry-After` can `pause` the whole bucket, so concurrent requests stop together
    instead of each meeting its own 429.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A burst of one second's worth (at least 1) keeps short runs fast without overshooting.
        self.burst = burst if burst is not None else max(1.0, rate)
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        self._not_before = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def delay_for_one(self) -> float:
        """Seconds to wait before one token is available, taking it when the answer is 0."""
        now = self._clock()
        if now < self._not_before:
            return self._not_before - now
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    async def acquire(self) -> None:
        """Wait until the caller may send one request."""
        async with self._lock:  # FIFO: waiters are served in arrival order
            while (delay := self.delay_for_one()) > 0:
                await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Admit nothing for `seconds` (the server asked us to back off)."""
        if seconds > 0:
            self._not_before = max(self._not_before, self._clock() + seconds)
            self._tokens = 0.0


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): full jitter, at least `Retry-After`.

    Full jitter (uniform between 0 and the exponential bound) spreads concurrent retries apart; a
    server's `Retry-After` is a floor, plus a little jitter so waiters do not return in lockstep.
    """
    bound = min(cap, base * (2 ** (attempt - 1)))
    delay = random.uniform(0.0, bound)
    if retry_after is not None:
        delay = max(delay, retry_after + random.uniform(0.0, min(1.0, retry_after * 0.1)))
    return delay


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given as a number (HTTP dates are not used by Pinecone)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
