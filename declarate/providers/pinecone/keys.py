"""Control-plane keys: the project API key each control-plane call needs, minted or borrowed.

Per project, either the key in the env var its `api_key_env` directive names (checked to be a key of
that project when the run may mint keys there), or a temporary key with the roles ProviderOptions
gives (`ControlPlaneEditor` and `DataPlaneViewer`) named `declarate-tmp-<unix time>-<random>`, minted once per run on
first use and deleted when the run ends. Key values live in memory only: never logged, never stored, never in a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from declarate import redaction
from declarate.errors import ApiError, DeclarateError, Forbidden, NotFound, TargetError, Unauthorized
from declarate.model.kinds import TEMPORARY_KEY_PREFIX
from declarate.model.state import ScopeDirectives
from declarate.providers.pinecone.client import PineconeClient, send_create
from declarate.providers.pinecone.session import Directory, ProviderOptions


def temporary_key_name(now: float, token: str) -> str:
    return f"{TEMPORARY_KEY_PREFIX}{int(now)}-{token}"


def is_temporary_key(name: str) -> bool:
    return name.startswith(TEMPORARY_KEY_PREFIX)


def temporary_key_created(name: str) -> float | None:
    """The unix time embedded in a temporary key's name, or None if it has none."""
    if not is_temporary_key(name):
        return None
    stamp = name[len(TEMPORARY_KEY_PREFIX) :].split("-", 1)[0]
    return float(stamp) if stamp.isdigit() else None


class ControlPlaneKeys:
    """Hands out one control-plane key per project and cleans up the ones it minted."""

    def __init__(
        self,
        client: PineconeClient,
        directory: Directory,
        options: ProviderOptions,
        *,
        environ: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._directory = directory
        self._options = options
        self._environ = environ
        self._clock = clock
        self.name = temporary_key_name(clock(), secrets.token_hex(4))  # one name per run
        self._env_names: dict[str, str] = {}  # project -> env var holding its key
        self._values: dict[str, str] = {}  # project -> key value
        self._minted: dict[str, str] = {}  # project -> id of the temporary key minted for it
        # project -> project id, for every mint sent: an interrupted mint may have made a key whose
        # answer never arrived, which only a lookup by this run's unique name can find.
        self._attempted: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Deletes started by `release` before close, each with its project: close waits for them.
        self._releasing: list[tuple[str, asyncio.Future[None]]] = []
        self.cleanup_errors: list[str] = []

    def use_directives(self, directives: Mapping[str, ScopeDirectives]) -> None:
        """Remember which projects bring their own key (`api_key_env`)."""
        for scope, directive in directives.items():
            if scope.startswith("project/") and directive.api_key_env:
                self._env_names[scope.removeprefix("project/")] = directive.api_key_env

    async def key_for(self, project: str) -> str:
        """The key for `project`: from its env var, or a temporary key minted on first use."""
        if project in self._values:
            return self._values[project]
        async with self._locks.setdefault(project, asyncio.Lock()):
            if project not in self._values:
                self._values[project] = await self._obtain(project)
            return self._values[project]

    async def _obtain(self, project: str) -> str:
        env_name = self._env_names.get(project)
        if env_name is None:
            return await self._mint(project)
        value = self._environ.get(env_name)
        if not value:
            raise TargetError(f"project {project} sets api_key_env: {env_name}, but {env_name} is not set")
        redaction.register(value)
        await self._check_belongs(project, env_name, value)
        return value

    async def _mint(self, project: str) -> str:
        project_id = await self._directory.project_id(project)
        path = f"/admin/projects/{project_id}/api-keys"
        body = {"name": self.name, "roles": list(self._options.temporary_key_roles)}
        self._attempted[project] = project_id

        async def sweep() -> None:
            # An earlier attempt may have made the key, but its value is lost: delete it, mint again.
            await self.delete_named(project_id, self.name)

        try:
            answer = await send_create(
                lambda: self._client.admin("POST", path, json=body, retry_ambiguous=False),
                sweep,
                attempts=self._options.create_attempts,
            )
        except ApiError as refused:
            if refused.status < 500:  # a definite refusal made nothing: no key to look for
                self._attempted.pop(project, None)
            raise
        self._minted[project] = answer["key"]["id"]
        value = str(answer["value"])
        redaction.register(value)
        return value

    async def _check_belongs(self, project: str, env_name: str, value: str) -> None:
        """Refuse a key of another project: a project key acts on its own project, whatever we meant.

        A control-plane call names no project, so a key of project A read as project B's would show
        A's indexes as B's and a plan would create and delete them in A. No API says which project
        a key belongs to; when the run may mint a key in `project`, both keys list indexes. Index
        hosts are unique, so keys of two projects see disjoint sets, while keys of one project share
        every index that was not created or deleted between the two lists. (Two projects without
        indexes cannot be told apart this way.)
        """
        try:
            minted = await self._mint(project)
        except (Forbidden, Unauthorized):
            return  # no right to mint keys here: the user's key is all there is to go by
        try:
            seen_by_env = await self._index_hosts(value)
        except (Forbidden, Unauthorized) as exc:
            raise TargetError(
                f"the API key in {env_name} was refused ({exc.status} {exc.code}): "
                f"set {env_name} to a valid key of project {project} that may list indexes"
            ) from None
        seen_by_project = await self._index_hosts(minted)
        if (seen_by_env or seen_by_project) and not seen_by_env & seen_by_project:
            foreign = sorted(name for name, _ in seen_by_env - seen_by_project)
            shown = (
                f" (it sees {', '.join(foreign[:5])}, which project {project} does not hold)"
                if foreign
                else ""
            )
            raise TargetError(
                f"the API key in {env_name} does not belong to project {project}{shown}: "
                f"set {env_name} to a key of project {project}"
            )

    async def _index_hosts(self, key: str) -> set[tuple[str, str]]:
        answer = await self._client.control("GET", "/indexes", key)
        return {(str(i.get("name")), str(i.get("host"))) for i in (answer or {}).get("indexes") or []}

    def renamed(self, old: str, new: str) -> None:
        """Project `old` is now called `new`: its keys (ours included) are the same keys."""
        for table in (self._env_names, self._values, self._minted, self._attempted):
            if old in table:
                table[new] = table.pop(old)

    def forget(self, project: str) -> None:
        """`project` was deleted: its keys went with it."""
        self._values.pop(project, None)
        self._minted.pop(project, None)
        self._attempted.pop(project, None)

    async def delete_named(self, project_id: str, name: str) -> None:
        listed = await self._client.admin("GET", f"/admin/projects/{project_id}/api-keys")
        for key in listed.get("data") or []:
            if key["name"] == name:
                await self._delete(key["id"])

    async def delete_stale(self, keys: list[dict[str, Any]]) -> set[str]:
        """Delete leftover temporary keys older than the max age (best effort); their ids."""
        now = self._clock()
        stale = [
            k
            for k in keys
            if (created := temporary_key_created(k["name"])) is not None
            and now - created > self._options.temporary_key_max_age
        ]
        results = await asyncio.gather(*(self._delete(k["id"]) for k in stale), return_exceptions=True)
        return {
            k["id"] for k, result in zip(stale, results, strict=True) if not isinstance(result, Exception)
        }

    async def delete_id(self, key_id: str) -> None:
        """Delete one API key by id (one already gone counts as deleted)."""
        await self._delete(key_id)

    async def _delete(self, key_id: str) -> None:
        with contextlib.suppress(NotFound):  # already gone (e.g. its project was deleted)
            await self._client.admin("DELETE", f"/admin/api-keys/{key_id}")

    def release(self, project: str) -> None:
        """Start deleting the temporary key minted for `project`, without waiting.

        For a run that knows it will send nothing more to the project (a plan that reads no data
        impact there): the delete is under way while the run goes on, not one round trip after
        it. Should the project be sent to after all, its next `key_for` mints a new key. `aclose`
        waits for these deletes and reports their failures like its own.
        """
        key_id = self._minted.pop(project, None)
        if key_id is None:
            return
        self._attempted.pop(project, None)
        if project not in self._env_names:  # a project's own key (api_key_env) stays in use
            self._values.pop(project, None)
        self._releasing.append((project, asyncio.ensure_future(self._delete(key_id))))

    async def aclose(self) -> None:
        """Delete every temporary key this run minted; failures are kept in `cleanup_errors`."""
        minted = list(self._minted.items())
        unanswered = [(p, pid) for p, pid in self._attempted.items() if p not in self._minted]
        releasing, self._releasing = self._releasing, []
        self._minted.clear()
        self._attempted.clear()
        self._values.clear()
        deletes: list[Awaitable[None]] = [self._delete(kid) for _, kid in minted]
        deletes += [self.delete_named(project_id, self.name) for _, project_id in unanswered]
        deletes += [task for _, task in releasing]
        results = await asyncio.gather(*deletes, return_exceptions=True)
        projects = [project for project, _ in [*minted, *unanswered, *releasing]]
        for project, result in zip(projects, results, strict=True):
            if isinstance(result, DeclarateError):
                self.cleanup_errors.append(
                    f"could not delete temporary key {self.name} in project {project}: {result} "
                    "(it is deleted by a later run once an hour old)"
                )
            elif isinstance(result, BaseException):
                raise result
