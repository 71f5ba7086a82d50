"""Settings of one local control plane: storage, bootstrap credentials, timing and faults.

A plain frozen dataclass that every other module reads. It must not import the rest of the local
package (it sits at the bottom of the import graph) and must not touch the network or disk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

FAULT_KINDS = ("500", "503", "drop")

# The embedded target's fixed owner credentials: public (they are in this source), so only an
# in-process app may use them; a served instance refuses them (``refuse_embedded_credentials``).
EMBEDDED_CLIENT_ID = "declarate-local"
EMBEDDED_CLIENT_SECRET = "declarate-local-secret"


@dataclass(frozen=True)
class LocalSettings:
    """How a local control plane stores data, authenticates its owner and misbehaves on purpose.

    db_path: SQLite file (WAL) that survives restarts; ``None`` keeps everything in memory.
    client_id / client_secret: credentials of the bootstrap OrgOwner service account; generated
        (and kept in the data file) when omitted.
    ready_after: seconds an index, collection, backup or restore job stays in its transitional
        state (Initializing, Terminating, ScalingUp, Pending) before it settles.
    token_ttl: lifetime of OAuth access tokens, in seconds.
    latency_ms: delay added to every faulted request.
    fail_rate: fraction (0..1) of faulted requests that fail with one of ``fail_kinds``.
    fail_kinds: which failures to draw from: "500", "503", "drop" (connection closed with no
        response; half of the drops happen after the request was applied).
    rate_limit: requests per second allowed by a token bucket (burst of the same size); beyond it
        the answer is 429 with ``Retry-After``. ``None`` or 0 disables it.
    fault_route: path prefixes, optionally with a method (``"POST /indexes"``), that faults apply
        to; empty means every API route. ``/health`` and ``/_local/*`` are never faulted.
    fault_seed: seed of the fault generator, for reproducible runs.
    record_responses: keep (operation, status, content type, body) of every API response in
        memory, for schema conformance checks.
    organization_name: name of the organization bootstrapped on first start.
    max_body_bytes: longest request body accepted; longer ones answer 413 before being read whole.
    refuse_embedded_credentials: set by ``serve``: the embedded target's fixed credentials are
        refused as configuration, rotated away from a data file that holds them, and refused by
        the token endpoint.
    """

    db_path: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    ready_after: float = 0.0
    token_ttl: float = 3600.0
    latency_ms: float = 0.0
    fail_rate: float = 0.0
    fail_kinds: tuple[str, ...] = FAULT_KINDS
    rate_limit: float | None = None
    fault_route: tuple[str, ...] = ()
    fault_seed: int | None = None
    record_responses: bool = False
    organization_name: str = "declarate-local"
    max_body_bytes: int = 4 * 1024 * 1024
    refuse_embedded_credentials: bool = False

    def __post_init__(self) -> None:
        if self.ready_after < 0:
            raise ValueError("ready_after must be >= 0")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be > 0")
        if self.refuse_embedded_credentials and (
            self.client_id == EMBEDDED_CLIENT_ID or self.client_secret == EMBEDDED_CLIENT_SECRET
        ):
            raise ValueError(
                "the embedded target's fixed credentials are public and cannot be served: "
                "choose another client id and secret (or omit them to have them generated)"
            )
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be >= 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.rate_limit is not None and self.rate_limit < 0:
            raise ValueError("rate_limit must be >= 0")
        if isinstance(self.fault_route, str):
            object.__setattr__(self, "fault_route", (self.fault_route,))
        kinds = tuple(self.fail_kinds)
        unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
        if unknown or not kinds:
            raise ValueError(f"fail_kinds must be a non-empty subset of {FAULT_KINDS}, got {kinds}")
        object.__setattr__(self, "fail_kinds", kinds)

    def replace(self, **changes: object) -> LocalSettings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
