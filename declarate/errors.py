"""Typed failures of the world outside the config: API errors, unusable targets, stale plans.

Every API failure carries status, code and message as the server said them. The cli turns these into
one clear line and exit 1; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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


class Staleness(StrEnum):
    """How an object a saved plan read moved since the plan was made."""

    DELETED = "deleted"  # it is gone
    CHANGED = "changed"  # its fingerprint differs (`moved` names the attributes, when the plan kept them)
    RECREATED = "recreated"  # same attributes, but deleted and created again (its id or host changed)
    CREATED = "created"  # the plan creates it, and someone else created it meanwhile
    UNFINGERPRINTED = "unfingerprinted"  # the plan changes it but kept no fingerprint: the file was edited


@dataclass(frozen=True)
class MovedAttribute:
    """One attribute of a stale object: its value when the plan was made, and now (real values)."""

    path: str
    planned: Any
    now: Any


@dataclass(frozen=True)
class StaleObject:
    """One object that moved since a saved plan was made, and how (data; render/refusal words it)."""

    address: str
    how: Staleness
    moved: tuple[MovedAttribute, ...] = ()


class PlanStale(DeclarateError):
    """A saved plan no longer matches live state; `stale` names each object and what changed.

    The values in `moved` are real: only cli/render turn them into words, masked and redacted.
    """

    def __init__(self, stale: Sequence[StaleObject]) -> None:
        self.stale = tuple(stale)
        addresses = "; ".join(f"{s.address} ({s.how.value})" for s in self.stale)
        super().__init__(redact(f"the saved plan is stale: {addresses}"))


class TargetMismatch(DeclarateError):
    """A saved plan applied to another target than the one it was made for."""

    def __init__(self, planned: str, target: str) -> None:
        self.planned = planned
        self.target = target
        super().__init__(
            f"the saved plan was made for target {planned}, not {target}: run plan again against this target"
        )


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


class ExportWouldOverwrite(DeclarateError):
    """`export` without `--force` found files it would overwrite (nothing was written)."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = tuple(paths)
        super().__init__(f"export would overwrite {len(self.paths)} existing file(s)")


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
