"""PineconeProvider: `declarate.providers.base.Provider` over a Pinecone-compatible API (2026-07).

It reads live state (read.py), carries out one planned change at a time (admin_changes.py,
bindings.py, indexes.py), waits for indexes to settle, and deletes the temporary control-plane keys
it minted when closed. It refuses to touch declarate's own principal and keys whatever the plan says.
It never plans, prints or stores a secret: secrets go to the SecretSink the caller passes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from declarate.errors import DeclarateError
from declarate.model.address import Address, Kind
from declarate.model.plan import Action, Change, DataImpact
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.model.usage import ProjectUsage
from declarate.providers.base import (
    ApplyObserver,
    ChangeResult,
    Outcome,
    ReadRequest,
    SecretSink,
    StillNeeded,
)
from declarate.providers.pinecone.admin_changes import (
    execute_api_key,
    execute_project,
    execute_service_account,
    result,
)
from declarate.providers.pinecone.answers import reading
from declarate.providers.pinecone.bindings import execute_role_binding
from declarate.providers.pinecone.client import PineconeClient, RequestStats
from declarate.providers.pinecone.data_impact import read_data_impacts
from declarate.providers.pinecone.index_renames import execute_index_rename
from declarate.providers.pinecone.indexes import execute_index, wait_for_index
from declarate.providers.pinecone.keys import ControlPlaneKeys, is_temporary_key
from declarate.providers.pinecone.read import read_live
from declarate.providers.pinecone.renames import execute_in_place_rename
from declarate.providers.pinecone.rotation import rotate_secret
from declarate.providers.pinecone.schedules import execute_backup_schedule
from declarate.providers.pinecone.session import Directory, ProviderOptions, Session
from declarate.providers.pinecone.usage import read_usage

__all__ = ["PineconeProvider", "ProviderOptions"]


class PineconeProvider:
    """One Pinecone target for one run. Use `async with`, or call `aclose()` in a `finally`."""

    def __init__(
        self,
        client: PineconeClient,
        *,
        target: str,
        options: ProviderOptions | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._target = target
        options = options or ProviderOptions()
        directory = Directory(client)
        keys = ControlPlaneKeys(
            client, directory, options, environ=os.environ if environ is None else environ, clock=clock
        )
        self._session = Session(client=client, directory=directory, keys=keys, options=options)

    @property
    def target(self) -> str:
        return self._target

    @property
    def stats(self) -> RequestStats:
        """Requests sent so far (retries and token requests included)."""
        return self._client.stats

    @property
    def cleanup_errors(self) -> list[str]:
        """Temporary keys that could not be deleted on close, each with why (empty when all went)."""
        return list(self._session.keys.cleanup_errors)

    async def __aenter__(self) -> PineconeProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def read(self, request: ReadRequest, *, still_needed: StillNeeded | None = None) -> State:
        with reading("reading live state"):
            return await read_live(self._session, request, still_needed)

    async def data_impacts(self, indexes: Sequence[Resource]) -> dict[Address, DataImpact]:
        return await read_data_impacts(self._session, indexes)

    async def execute(
        self,
        change: Change,
        desired: Resource | None,
        live: Resource | None,
        secrets: SecretSink,
        *,
        protected: AbstractSet[Address],
    ) -> ChangeResult:
        """Carry out one change; API failures come back as FAILED with the server's reason.

        `protected` (the live state's) names declarate's own principal and bindings: never touched.
        """
        if change.blocked is not None:
            return result(change, Outcome.SKIPPED, f"blocked: {change.blocked.message}")
        if change.address in protected or (
            change.kind is Kind.API_KEY and is_temporary_key(change.address.name)
        ):
            return result(
                change,
                Outcome.FAILED,
                "declarate never changes the principal it runs as, its role bindings or its temporary keys",
            )
        session = self._session
        try:
            if change.action is Action.RENAME and change.kind is Kind.INDEX:
                return await execute_index_rename(session, change, desired, change.keep_backup)
            if change.action is Action.RENAME:
                return await execute_in_place_rename(session, change, desired, live, secrets)
            match change.kind:
                case Kind.PROJECT:
                    return await execute_project(session, change, desired, live)
                case Kind.INDEX:
                    return await execute_index(session, change, desired, live)
                case Kind.API_KEY:
                    return await execute_api_key(session, change, desired, live, secrets)
                case Kind.SERVICE_ACCOUNT:
                    return await execute_service_account(session, change, desired, live, secrets)
                case Kind.ROLE_BINDING:
                    return await execute_role_binding(session, change, desired, live)
                case Kind.BACKUP_SCHEDULE:
                    return await execute_backup_schedule(session, change, desired, live)
        except DeclarateError as exc:
            return result(change, Outcome.FAILED, str(exc))
        raise AssertionError(f"unknown kind {change.kind}")

    async def wait(self, change: Change, observer: ApplyObserver) -> None:
        """Block until an index change has settled (Ready, or 404 after a delete); others return at once.

        Raises a DeclarateError when the index fails or the wait times out.
        """
        if change.kind is not Kind.INDEX:
            return
        await wait_for_index(self._session, change, lambda state: observer.waiting(change, state))

    async def rotate_secret(self, address: Address, secrets: SecretSink) -> ChangeResult:
        """A new secret for a live API key (replaced) or service account (rotated), written to `secrets`."""
        with reading(f"rotating the secret of {address}"):
            return await rotate_secret(self._session, address, secrets)

    async def read_usage(self, request: ReadRequest) -> list[ProjectUsage]:
        """Usage of the requested live projects; see `usage.py`."""
        with reading("reading usage"):
            return await read_usage(self._session, request)

    async def aclose(self) -> None:
        """Delete this run's temporary keys (failures go to `cleanup_errors`), then close the client."""
        try:
            await self._session.keys.aclose()
        finally:
            await self._client.aclose()
