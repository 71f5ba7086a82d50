"""The seams between the pure engine and the outside world: Provider, ApplyObserver, SecretSink.

The engine and the cli depend on these protocols only; `providers.pinecone` implements Provider over
HTTP. Nothing here performs I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from declarate.model.address import Address
from declarate.model.plan import Change, DataImpact
from declarate.model.resource import Resource
from declarate.model.state import ScopeDirectives, State
from declarate.model.usage import ProjectUsage


@dataclass(frozen=True)
class ReadRequest:
    """What to read: the organization-level objects always; these projects whole."""

    projects: Sequence[str]  # project names to read whole (indexes, keys, bindings)
    directives: dict[str, ScopeDirectives]  # per `project/NAME`: api_key_env and the like
    all_projects: bool = False  # read every live project whole (export), whatever `projects` says
    # Backup schedules cost one list request per index, so they are read only for these indexes
    # (those whose declaration lists `backup_schedules`), or for every index with `all_backup_schedules`.
    backup_schedules: frozenset[Address] = frozenset()
    all_backup_schedules: bool = False


# Asked once per project read whole, by its live name, with the live resources read in it: whether
# the run may send anything more to the project after the read (see `Provider.read`).
StillNeeded = Callable[[str, Sequence[Resource]], bool]


class Outcome(StrEnum):
    DONE = "done"  # the change was made
    ALREADY = "already"  # nothing to do: 409 with a matching object, or 404 on delete
    FAILED = "failed"
    SKIPPED = "skipped"  # a change it depends on failed, or it was blocked


@dataclass(frozen=True)
class ChangeResult:
    address: Address
    outcome: Outcome
    message: str = ""
    secret_path: str | None = None  # where a secret created by this change was written


class SecretSink(Protocol):
    """Receives a secret exactly once, at creation, and returns where it was stored (never the value)."""

    def store(self, address: Address, field: str, value: str) -> str: ...

    def discard(self, path: str) -> None:
        """Remove a secret `store` wrote for an object this run then deleted itself (a lost race)."""
        ...

    def rename(self, old: Address, new: Address) -> None:
        """Move the secrets stored for `old` (for a project: for every credential in it) to `new`'s names.

        Called before a rename is sent, so a run killed after it never leaves a renamed credential
        whose secret is filed under a name it no longer has; never loses or overwrites a secret.
        """
        ...


class ApplyObserver(Protocol):
    """Apply progress reaches the screen through this, the one observer protocol; the engine never
    prints. `planned` comes first, with every change, before any runs (to size a bar)."""

    def planned(self, changes: Sequence[Change]) -> None: ...

    def started(self, change: Change) -> None: ...

    def waiting(self, change: Change, state: str) -> None: ...

    def finished(self, change: Change, result: ChangeResult) -> None: ...


class Provider(Protocol):
    """A Pinecone-compatible target.

    `read` returns live state in canonical form (the same form config normalizes to), with
    `State.scopes` naming the scopes read whole and `State.protected` the objects declarate itself
    uses, passed back to `execute`. `execute` carries out one change and is idempotent: a create meeting 409 with a matching
    live object, and a delete meeting 404, report ALREADY. `wait` blocks until a created or updated
    index is Ready, or a deleted one is gone.
    """

    @property
    def target(self) -> str:
        """A stable description of the endpoint (URL or `local:<db path>`), recorded in saved plans."""
        ...

    async def read(self, request: ReadRequest, *, still_needed: StillNeeded | None = None) -> State:
        """Live state of `request`.

        With `still_needed`, each project read whole is let go of as soon as it is read when
        `still_needed(project, what was read in it)` is False: the temporary credential made for
        it is deleted while the read goes on, and `aclose` waits for that delete. Should the project
        be sent to after all, it gets a new credential: a wrong guess costs requests, never a
        failure. Without it, every credential stays until `aclose`.
        """
        ...

    async def data_impacts(self, indexes: Sequence[Resource]) -> dict[Address, DataImpact]:
        """What deleting each of these live indexes destroys (records and namespaces), by address.

        One data-plane request per index; a count that cannot be read is an unknown impact with the
        reason, never an exception.
        """
        ...

    async def execute(
        self,
        change: Change,
        desired: Resource | None,
        live: Resource | None,
        secrets: SecretSink,
        *,
        protected: AbstractSet[Address],
    ) -> ChangeResult:
        """Carry out one change; `protected` is the live state's `protected` (declarate's own
        objects), which it refuses to touch."""
        ...

    async def rotate_secret(self, address: Address, secrets: SecretSink) -> ChangeResult:
        """A new secret for a live credential whose secret was lost (`apply --rotate ADDRESS`)."""
        ...

    async def wait(self, change: Change, observer: ApplyObserver) -> None: ...

    async def read_usage(self, request: ReadRequest) -> list[ProjectUsage]:
        """Usage of the requested live projects (`declarate report`), in name order.

        A project or index that cannot be read has unknown figures with the reason, never zeros.
        """
        ...

    async def aclose(self) -> None: ...
