"""Typed failures of the world outside the config: API errors, unusable targets, stale plans.

Every API failure carries status, code and message as the server said them. The cli turns these into
one clear line and exit 1; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from declarate.redaction import redact

if TYPE_CHECKING:
    from declarate.model.plan_diff import PlanDifference


class DeclarateError(Exception):
    """Base of every error declarate reports to the user without a traceback."""


class TargetError(DeclarateError):
    """The target cannot be used: missing credentials, bad URL, unreachable."""


class ApiError(DeclarateError):
    """The API answered with an error."""

    def __init__(self, status: int, code: str, message: str, *, method: str = "", url: str = "") -> None:
        self.status = status
        self.code = code = redact(code)
        # The message comes from a server, which may echo a credential (an OAuth body with the client
        # secret, a 401 with the key): it is redacted here, where it enters, and again when printed.
        self.message = message = redact(message)
        self.method = method
        self.url = url = redact(url)
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status} {code}: {message}{where}")


class Unauthorized(ApiError):
    """401: bad or expired credentials."""


class Forbidden(ApiError):
    """403: the credentials lack a role, or deletion protection is on."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: already exists."""


class PreconditionFailed(ApiError):
    """412: e.g. a project that still holds indexes."""


class RateLimited(ApiError):
    """429 after retries were exhausted."""


class ServerError(ApiError):
    """5xx after retries were exhausted."""


class ConnectionFailed(DeclarateError):
    """The connection dropped or timed out after retries were exhausted."""


class PlanStale(DeclarateError):
    """A saved plan no longer matches live state; `drifted` names each object and what changed."""

    def __init__(self, drifted: list[str]) -> None:
        self.drifted = drifted = [redact(item) for item in drifted]
        super().__init__("the saved plan is stale: " + "; ".join(drifted))


class PlanMismatch(DeclarateError):
    """A saved plan whose changes are not what re-planning from its own inputs gives now.

    `differences` names each one as data; only cli/render turn them into words.
    """

    def __init__(self, differences: Sequence[PlanDifference]) -> None:
        self.differences = tuple(differences)
        super().__init__(f"the saved plan differs from re-planning in {len(self.differences)} way(s)")


class PlanRefused(DeclarateError):
    """A saved plan that may not be applied as it stands: unsigned, badly signed, or given overrides."""


@dataclass(frozen=True)
class UnmatchedAddress:
    """An address given to a targeting flag that names nothing, and the closest that exist."""

    flag: str
    value: str
    suggestions: tuple[str, ...]


class UnmatchedTargets(DeclarateError):
    """`--only`, `--allow-replace` or `--allow-delete` addresses that match nothing."""

    def __init__(self, unmatched: Sequence[UnmatchedAddress]) -> None:
        self.unmatched = tuple(unmatched)
        super().__init__("; ".join(f"{u.flag} {u.value} matches nothing" for u in self.unmatched))


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
}


def api_error(status: int, code: str, message: str, *, method: str = "", url: str = "") -> ApiError:
    """The most specific ApiError subclass for a status."""
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    return cls(status, code, message, method=method, url=url)
