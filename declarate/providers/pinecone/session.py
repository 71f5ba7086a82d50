"""What one provider run shares: the client, a directory of live names and ids, and run options.

The directory is filled by `read` and kept current as apply creates and deletes things, so a change
later in the same run can resolve a project or service account created earlier. It looks names up
lazily (one list call, then cached) and never decides what to change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from declarate.errors import DeclarateError
from declarate.model.kinds import TEMPORARY_KEY_ROLES
from declarate.providers.pinecone.client import PineconeClient
from declarate.providers.pinecone.wire import Principals

if TYPE_CHECKING:
    from declarate.providers.pinecone.keys import ControlPlaneKeys

T = TypeVar("T")


async def gather_all(*awaitables: Awaitable[T]) -> list[T]:
    """Results of running `awaitables` concurrently; on the first failure the rest are cancelled.

    Unlike asyncio.gather, nothing keeps sending requests after the outcome is already a failure,
    and unlike TaskGroup, the caller gets the exception itself, not an ExceptionGroup.
    """
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class ProviderOptions:
    """Waiting and housekeeping settings of a PineconeProvider."""

    wait_timeout: float = 600.0  # seconds to wait for an index to be Ready, or gone
    poll_initial: float = 0.2  # first polling interval, doubled up to poll_cap
    poll_cap: float = 5.0
    temporary_key_max_age: float = 3600.0  # older leftover temporary keys are deleted
    create_attempts: int = 6  # sends of a create whose earlier attempt may have taken effect
    # Roles of the temporary per-project keys: control plane, and data-plane reading (index statistics).
    temporary_key_roles: tuple[str, ...] = TEMPORARY_KEY_ROLES


class UnknownName(DeclarateError):
    """A name that does not exist live (e.g. a role binding's service account)."""


class Directory:
    """Live names <-> ids of projects, service accounts, users and pending invites."""

    def __init__(self, client: PineconeClient) -> None:
        self._client = client
        self.projects: dict[str, str] = {}  # name -> id
        self.service_accounts: dict[str, str] = {}  # name -> id
        self._users: dict[str, tuple[str, str]] | None = None  # lowercased email -> (id, email)
        self._invites: dict[str, tuple[str, str]] | None = None  # lowercased email -> (id, email)
        self._users_lock = asyncio.Lock()  # concurrent lookups share one fetch

    # -- learning ----------------------------------------------------------------------------

    def learn_projects(self, raw: Iterable[Mapping[str, Any]]) -> None:
        self.projects = {p["name"]: p["id"] for p in raw}

    def learn_service_accounts(self, raw: Iterable[Mapping[str, Any]]) -> None:
        self.service_accounts = {a["name"]: a["id"] for a in raw}

    def learn_users(self, raw: Iterable[Mapping[str, Any]]) -> None:
        self._users = {u["email"].lower(): (u["id"], u["email"]) for u in raw}

    def learn_invites(self, raw: Iterable[Mapping[str, Any]]) -> None:
        # Only pending invites can still be accepted, so only they can carry a person's bindings.
        self._invites = {
            i["email"].lower(): (i["id"], i["email"]) for i in raw if i.get("status", "pending") == "pending"
        }

    def add_invite(self, email: str, invite_id: str) -> None:
        if self._invites is None:
            self._invites = {}
        self._invites[email.lower()] = (invite_id, email)

    def principals(self, all_invites: Iterable[Mapping[str, Any]] = ()) -> Principals:
        """Id -> name tables for addressing role bindings (expired invites' emails included)."""
        invites = {i["id"]: i["email"] for i in all_invites}
        invites.update({iid: email for iid, email in (self._invites or {}).values()})
        return Principals(
            projects={pid: name for name, pid in self.projects.items()},
            service_accounts={sid: name for name, sid in self.service_accounts.items()},
            users={uid: email for uid, email in (self._users or {}).values()},
            invites=invites,
        )

    # -- lookups (list once, then from memory) ---------------------------------------------------

    async def project_id(self, name: str) -> str:
        if name not in self.projects:
            self.learn_projects((await self._client.admin("GET", "/admin/projects")).get("data") or [])
        if name not in self.projects:
            raise UnknownName(f"project {name!r} does not exist")
        return self.projects[name]

    async def service_account_id(self, name: str) -> str:
        if name not in self.service_accounts:
            self.learn_service_accounts(await self._client.admin_pages("/admin/service-accounts"))
        if name not in self.service_accounts:
            raise UnknownName(f"service account {name!r} does not exist")
        return self.service_accounts[name]

    async def load_users(self, *, refresh: bool = False) -> None:
        async with self._users_lock:
            if self._users is None or refresh:
                self.learn_users(await self._client.admin_pages("/admin/users"))

    async def load_invites(self) -> list[dict[str, Any]]:
        """Fetch invites afresh (pending ones are remembered); returns every invite listed."""
        raw = await self._client.admin_pages("/admin/invites")
        self.learn_invites(raw)
        return raw

    async def user_id(self, email: str) -> str | None:
        await self.load_users()
        found = (self._users or {}).get(email.lower())
        return found[0] if found else None

    async def invite_id(self, email: str) -> str | None:
        if self._invites is None:
            await self.load_invites()
        found = (self._invites or {}).get(email.lower())
        return found[0] if found else None


@dataclass
class Session:
    """State shared by read, execute and wait within one provider's lifetime."""

    client: PineconeClient
    directory: Directory
    keys: ControlPlaneKeys
    options: ProviderOptions
    # Last status seen per (project, index), from create/configure answers, so wait can skip a poll.
    index_status: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # email -> the organization role declarate added to an invite only because an invite needs one.
    stand_in_roles: dict[str, str] = field(default_factory=dict)
    _email_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def email_lock(self, email: str) -> asyncio.Lock:
        """Serializes changes for one person, so two bindings never race to create two invites."""
        return self._email_locks.setdefault(email.lower(), asyncio.Lock())
