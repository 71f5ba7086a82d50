"""Carrying out an index rename (`renamed_from`): the records move through a backup (DESIGN §9.1).

Back up OLD, create the new index from the backup (declared tags, deletion protection, and a marker
tag naming OLD), wait until it is Ready, check that it holds as many records as the backup and that
OLD holds no more, delete OLD, delete the backup (unless `keep_backup`), then take the marker off. Every step looks first for
what an earlier, killed run may have done: the backup is found again by its name, derived from the
rename alone; the new index by its name and marker (the planner resumes a rename whose new index
still carries it). Names and marker tags can be forged by anyone who may create backups or tag
indexes, so what is found is only trusted as far as counts confirm it: OLD is deleted only after the
new index holds the backup's count and at least as many records as OLD still does. Never decides
what to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from typing import Any

from declarate.errors import Conflict, DeclarateError, Forbidden, NotFound
from declarate.model import defaults as d
from declarate.model.address import Address
from declarate.model.plan import Change
from declarate.model.resource import Resource
from declarate.providers.base import ChangeResult, Outcome
from declarate.providers.pinecone.admin_changes import result, unsupported
from declarate.providers.pinecone.answers import MalformedAnswer
from declarate.providers.pinecone.data_impact import STATS_PATH
from declarate.providers.pinecone.index_stats import count_of, impact_of_stats
from declarate.providers.pinecone.indexes import poll_index
from declarate.providers.pinecone.session import Session

BACKUP_PREFIX = "declarate-rename-"


class RenameFailed(DeclarateError):
    """A rename step found something it must not go past (the old index is kept)."""


def backup_name(old: Address, new: Address) -> str:
    """The temporary backup's name: derived from the rename alone, so a later run finds it again."""
    digest = hashlib.sha256(f"{old}\n{new}".encode()).hexdigest()[:20]
    return f"{BACKUP_PREFIX}{digest}"


async def execute_index_rename(
    session: Session, change: Change, desired: Resource | None, keep_backup: bool
) -> ChangeResult:
    old = change.renamed_from
    if old is None or desired is None:
        return unsupported(change)
    steps = _Steps(session, change, desired, old, await session.keys.key_for(str(change.address.project)))
    try:
        moved = await steps.run(keep_backup)
    except RenameFailed as exc:
        return result(change, Outcome.FAILED, str(exc))
    kept = " (backup kept)" if keep_backup else ""
    return result(change, Outcome.DONE, f"renamed from {old.name}: {moved:,} records moved{kept}")


class _Steps:
    def __init__(self, session: Session, change: Change, desired: Resource, old: Address, key: str) -> None:
        self.session, self.change, self.desired, self.old, self.key = session, change, desired, old, key
        self.new = change.address.name
        self.backup_name = backup_name(old, change.address)

    async def run(self, keep_backup: bool) -> int:
        backup = await self._find_backup()
        old_index = await self._describe(self.old.name)
        new_index = await self._describe(self.new)
        if backup is None and new_index is None:
            if old_index is None:
                raise RenameFailed(f"neither index {self.old.name} nor {self.new} exists: run plan again")
            backup = await self._control(
                "POST",
                f"/indexes/{self.old.name}/backups",
                json={
                    "name": self.backup_name,
                    "description": f"declarate: rename of index {self.old.name} to {self.new}",
                },
            )
        if backup is not None:
            backup = await self._ready_backup(str(backup["backup_id"]))
            expected = self._backup_count(backup)
            if new_index is None:
                await self._create_from(backup)
            await poll_index(self.session, self.change, gone=False, on_state=lambda _: None)
            found = await self._record_count(self.new)
            if found != expected:
                raise RenameFailed(
                    f"index {self.new} holds {found:,} records, but the backup of {self.old.name} holds "
                    f"{expected:,}: index {self.old.name} and backup {self.backup_name} are kept"
                )
        else:
            expected = await self._record_count(self.new)  # only the marker is left to take off
        if old_index is not None:
            await self._check_all_moved(expected)
            await self._delete_old()
        if backup is not None and not keep_backup:
            with contextlib.suppress(NotFound):  # deleted by an earlier attempt
                await self._control("DELETE", f"/backups/{backup['backup_id']}")
        await self._unmark()
        return expected

    def _backup_count(self, backup: dict[str, Any]) -> int:
        """The backup's record count, if it is a backup of OLD and says how many records it holds.

        Its name is derived from the rename alone, so anyone may have made one by that name (of
        another index, or of OLD long ago): it is trusted only as far as it is checked here and by
        `_check_all_moved`.
        """
        if backup.get("source_index_name") != self.old.name:
            raise RenameFailed(
                f"backup {self.backup_name} was not taken from index {self.old.name}: index "
                f"{self.old.name} is kept; delete that backup by hand and apply again"
            )
        try:
            return count_of(backup.get("record_count"), "record_count")
        except MalformedAnswer:
            raise RenameFailed(
                f"backup {self.backup_name} of index {self.old.name} does not say how many records it "
                f"holds: index {self.old.name} and the backup are kept"
            ) from None

    async def _check_all_moved(self, moved: int) -> None:
        """OLD is deleted only when it holds no record more than the new index: nothing is left behind.

        Records written to OLD after its backup, a backup that is not OLD's, or a new index that a
        rename did not fill (a marker tag anyone can set) all show here as OLD holding more.
        """
        left = await self._record_count(self.old.name)
        if left > moved:
            raise RenameFailed(
                f"index {self.old.name} holds {left:,} records but {self.new} only {moved:,} (records "
                f"written since the backup, or a backup or index that is not this rename's): index "
                f"{self.old.name} is kept; stop writes to it and apply again"
            )

    async def _control(self, method: str, path: str, json: Any = None) -> Any:
        return await self.session.client.control(method, path, self.key, json=json)

    async def _describe(self, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await self._control("GET", f"/indexes/{name}")
        except NotFound:
            return None
        return found

    async def _find_backup(self) -> dict[str, Any] | None:
        params: dict[str, Any] = {"limit": 100}
        seen: set[str] = set()
        while True:
            page = await self.session.client.control("GET", "/backups", self.key, params=params)
            for backup in (page or {}).get("data") or []:
                if backup.get("name") == self.backup_name:
                    return dict(backup)
            token = ((page or {}).get("pagination") or {}).get("next")
            if not token or token in seen:  # a repeated cursor would loop forever
                return None
            seen.add(token)
            params = {"limit": 100, "paginationToken": token}

    async def _ready_backup(self, backup_id: str) -> dict[str, Any]:
        options = self.session.options
        deadline, delay = time.monotonic() + options.wait_timeout, options.poll_initial
        while True:
            backup: dict[str, Any] = await self._control("GET", f"/backups/{backup_id}")
            if backup.get("status") == "Ready":
                return backup
            if backup.get("status") in ("Failed", "Cancelled"):
                raise RenameFailed(
                    f"backup {self.backup_name} of index {self.old.name} is {backup['status']}"
                )
            if time.monotonic() + delay > deadline:
                raise RenameFailed(f"timed out waiting for backup {self.backup_name} to be Ready")
            await asyncio.sleep(delay)
            delay = min(delay * 2, options.poll_cap)

    async def _create_from(self, backup: dict[str, Any]) -> None:
        attrs = self.desired.attrs
        tags = {**(attrs.get("tags") or {}), d.RENAME_MARKER_TAG: self.old.name}
        body = {"name": self.new, "tags": tags, "deletion_protection": attrs.get("deletion_protection")}
        # A 409: an earlier attempt created it and its answer was lost; the record count checks it.
        with contextlib.suppress(Conflict):
            await self._control("POST", f"/backups/{backup['backup_id']}/create-index", json=body)

    async def _record_count(self, name: str) -> int:
        described = await self._control("GET", f"/indexes/{name}")
        stats = await self.session.client.data("POST", described.get("host"), STATS_PATH, self.key, json={})
        impact = impact_of_stats(stats)
        if impact.records is None:  # never read as 0: an empty backup would then "match" and OLD go
            raise RenameFailed(
                f"the record count of index {name} could not be read ({impact.unknown}): index "
                f"{self.old.name} and backup {self.backup_name} are kept"
            )
        return impact.records

    async def _delete_old(self) -> None:
        try:
            await self._control("DELETE", f"/indexes/{self.old.name}")
        except NotFound:
            return
        except Forbidden as exc:
            raise RenameFailed(
                f"{exc}: deletion protection is enabled on index {self.old.name}; the records are in "
                f"{self.new} and backup {self.backup_name}, and {self.old.name} is kept"
            ) from None
        old_change = Change(self.old, self.change.action)
        await poll_index(self.session, old_change, gone=True, on_state=lambda _: None)

    async def _unmark(self) -> None:
        described = await self._control("GET", f"/indexes/{self.new}")
        if d.RENAME_MARKER_TAG in (described.get("tags") or {}):
            # An empty value removes a tag (configure_index).
            await self._control("PATCH", f"/indexes/{self.new}", json={"tags": {d.RENAME_MARKER_TAG: ""}})
