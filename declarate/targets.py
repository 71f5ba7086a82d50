"""Target selection: which Pinecone endpoint a command talks to, with which credentials, by which name.

`--target local` (the default when no Pinecone credentials are set) runs the embedded local control
plane in process, persisted under `.declarate/`; `--api-url URL` talks to a Pinecone-compatible API
over HTTP with service-account credentials. A workspace may pin the target (`target: {api_url}` in
declarate.yaml, passed in as a `PinnedTarget`): then missing credentials are an error, never a
silent fallback to the local target. A selected environment (`model.settings.Environment`) pins its
own target and names the variables holding its credentials, read in place of PINECONE_CLIENT_ID and
PINECONE_CLIENT_SECRET. Every provider carries the target's name as the outputs show it
(`local (embedded, .declarate/local.db)` or the URL). With cli.py, the only importer of
`declarate.local`, and only lazily, so the core never depends on it. It builds a provider; it never
reads config and never prints (a warning is returned for the caller to show).
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from declarate import redaction
from declarate.errors import TargetError
from declarate.model.settings import Environment, PinnedTarget
from declarate.providers.pinecone import (
    ClientOptions,
    Credentials,
    PineconeClient,
    PineconeProvider,
    ProviderOptions,
)
from declarate.secret_files import protect_state_directory

LOCAL = "local"
EMBEDDED_BASE_URL = "http://declarate.local"  # never resolved: the ASGI transport answers in process
DEFAULT_LOCAL_DB = Path(".declarate") / "local.db"
DEFAULT_API_URL = "https://api.pinecone.io"
PINECONE_OAUTH_URL = "https://login.pinecone.io/oauth/token"
CREDENTIAL_VARIABLES = ("PINECONE_CLIENT_ID", "PINECONE_CLIENT_SECRET")


@dataclass(frozen=True)
class TargetOptions:
    """What the command line and environment say about the target. Secrets never show in a repr."""

    target: str | None = None  # "local", or None to decide from the other options
    api_url: str | None = None
    oauth_url: str | None = None
    local_db: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    credential_variables: tuple[str, str] = CREDENTIAL_VARIABLES  # where the two came from, for messages
    environment: str | None = None  # the selected environment, named beside the target

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        target: str | None = None,
        api_url: str | None = None,
        oauth_url: str | None = None,
        local_db: str | None = None,
    ) -> TargetOptions:
        """Flags as given, with the credentials (which have no flags) from the environment.

        A flag's own variable (DECLARATE_API_URL, DECLARATE_OAUTH_URL, DECLARATE_LOCAL_DB) is read by
        click (`envvar=`), the one place that reads it, and arrives here as the flag's value.
        """
        env = os.environ if environ is None else environ
        redaction.register_environment(env)  # PINECONE_CLIENT_SECRET and every other credential-named one
        return cls(
            target=target,
            api_url=api_url or None,
            oauth_url=oauth_url or None,
            local_db=local_db or None,
            client_id=env.get("PINECONE_CLIENT_ID") or None,
            client_secret=env.get("PINECONE_CLIENT_SECRET") or None,
        )

    @property
    def is_local(self) -> bool:
        """True when the embedded local control plane is the target."""
        if self.target is not None:
            return self.target == LOCAL
        return self.api_url is None and not (self.client_id or self.client_secret)


def for_environment(
    options: TargetOptions, environment: Environment | None, environ: Mapping[str, str] | None = None
) -> TargetOptions:
    """The options with an environment's credentials, read from the variables it names."""
    if environment is None:
        return options
    env = os.environ if environ is None else environ
    variables = (
        environment.client_id_env or CREDENTIAL_VARIABLES[0],
        environment.client_secret_env or CREDENTIAL_VARIABLES[1],
    )
    return dataclasses.replace(
        options,
        client_id=env.get(variables[0]) or None,
        client_secret=env.get(variables[1]) or None,
        credential_variables=variables,
        environment=environment.name,
    )


def default_oauth_url(api_url: str) -> str:
    """Pinecone's login service for pinecone.io hosts, else the API's own `/oauth/token`."""
    host = urlsplit(api_url).hostname or ""
    if host == "pinecone.io" or host.endswith(".pinecone.io"):
        return PINECONE_OAUTH_URL
    return api_url.rstrip("/") + "/oauth/token"


def check_url(flag: str, url: str) -> None:
    """Raise TargetError unless `url` is an http(s) URL with a host (before anything is sent)."""
    shown = url.split("?", 1)[0].rsplit("@", 1)[-1][:200]  # never echo user info or a query
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError as exc:
        raise TargetError(f"{flag} {shown!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetError(f"{flag} {shown!r} has no http:// or https:// scheme: add http:// or https://")
    if not parts.hostname:
        raise TargetError(f"{flag} {shown!r} names no host, e.g. https://api.pinecone.io")


def local_db_path(options: TargetOptions, cwd: Path | None = None) -> Path:
    """The embedded control plane's database file, absolute."""
    base = cwd or Path.cwd()
    chosen = Path(options.local_db) if options.local_db else DEFAULT_LOCAL_DB
    return (chosen if chosen.is_absolute() else base / chosen).resolve()


def local_target_name(db: Path, cwd: Path | None = None) -> str:
    """`local (embedded, .declarate/local.db)`: the database relative to the working directory when inside it."""
    base = (cwd or Path.cwd()).resolve()
    shown = db.relative_to(base) if db.is_relative_to(base) else db
    return f"{LOCAL} (embedded, {shown})"


def check_pin(options: TargetOptions, pinned: PinnedTarget | None) -> TargetOptions:
    """The options with a workspace's pinned target applied; TargetError when they contradict it.

    A pinned target never falls back to the local control plane: without credentials the command
    fails and names the variables to set.
    """
    if pinned is None:
        return options
    where = f" ({pinned.origin})" if pinned.origin else ""
    who = f"environment {options.environment!r}" if options.environment else "the workspace"
    url = pinned.api_url.rstrip("/")
    if options.target == LOCAL:
        raise TargetError(
            f"{who} pins the target to {url}{where}; --target local contradicts it: remove "
            "`target` from declarate.yaml to work against the local control plane"
        )
    if options.api_url and options.api_url.rstrip("/") != url:
        raise TargetError(
            f"{who} pins the target to {url}{where}, but --api-url (or DECLARATE_API_URL) says "
            f"{options.api_url.rstrip('/')}: remove one of them"
        )
    variables = options.credential_variables
    missing = [
        name
        for name, value in zip(variables, (options.client_id, options.client_secret), strict=True)
        if not value
    ]
    if missing:
        raise TargetError(
            f"{who} pins the target to {url}{where}, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set: set {' and '.join(variables)} to a "
            "service account's client id and secret (declarate never falls back to the local target when "
            "the target is pinned)"
        )
    return dataclasses.replace(options, api_url=url)


def target_warning(
    options: TargetOptions, pinned: PinnedTarget | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The warning to show when CI runs against the local default, likely for want of a secret."""
    env = os.environ if environ is None else environ
    if pinned is not None or options.target is not None or not options.is_local:
        return None
    if env.get("CI", "").lower() != "true":
        return None
    return (
        f"CI=true and neither {' nor '.join(CREDENTIAL_VARIABLES)} nor DECLARATE_API_URL is set: using the "
        "local control plane in this directory, not Pinecone. If this job should reach Pinecone, set the "
        "credentials; pin the target with `target: {api_url: ...}` in declarate.yaml to make this an error."
    )


def open_provider(
    options: TargetOptions,
    *,
    rate_limit: float = 100.0,
    parallelism: int = 8,
    max_attempts: int = 6,
    timeout: float = 30.0,
    provider_options: ProviderOptions | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    pinned: PinnedTarget | None = None,
) -> PineconeProvider:
    """A provider for the chosen target. Close it (`async with` or `aclose()`) to delete temporary keys.

    Raises TargetError when the options contradict each other or the pinned target, or credentials
    are missing.
    """
    options = check_pin(options, pinned)
    if options.target not in (None, LOCAL):
        raise TargetError(f"unknown target {options.target!r}: use --target local or --api-url URL")
    if options.target == LOCAL and options.api_url:
        raise TargetError("--target local and --api-url cannot be used together: choose one")
    if options.is_local:
        transport, credentials, db = _embedded(options, cwd)
        base_url, oauth_url = EMBEDDED_BASE_URL, EMBEDDED_BASE_URL + "/oauth/token"
        target = local_target_name(db, cwd)
    else:
        base_url = (options.api_url or DEFAULT_API_URL).rstrip("/")
        if not options.client_id or not options.client_secret:
            raise TargetError(
                f"no credentials for {base_url}: set {' and '.join(options.credential_variables)} to a "
                "service account's client id and secret (or use --target local)"
            )
        redaction.register(options.client_secret)
        transport, credentials = None, Credentials(options.client_id, options.client_secret)
        check_url("--api-url", base_url)
        oauth_url, target = options.oauth_url or default_oauth_url(base_url), base_url
        check_url("--oauth-url", oauth_url)
    client_options = ClientOptions(
        base_url=base_url,
        oauth_url=oauth_url,
        credentials=credentials,
        rate_limit=rate_limit,
        # Room above the apply parallelism for the reads and polls that run beside changes.
        max_concurrency=max(parallelism * 4, 4),
        max_attempts=max_attempts,
        timeout=timeout,
        transport=transport,
    )
    if options.environment is not None:
        target = f"{target}, environment {options.environment}"
    return PineconeProvider(
        PineconeClient(client_options), target=target, options=provider_options, environ=environ
    )


def _embedded(options: TargetOptions, cwd: Path | None) -> tuple[httpx.AsyncBaseTransport, Credentials, Path]:
    """The in-process local control plane: its transport, fixed credentials and database file."""
    from declarate import local  # lazily: only the embedded target needs it

    db = local_db_path(options, cwd)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TargetError(f"cannot create {db.parent} for the local control plane: {exc}") from None
    protect_state_directory(db.parent)  # `git add -A` must not stage .declarate/local.db
    try:
        transport = local.embedded_transport(str(db))
    except (sqlite3.Error, OSError) as exc:  # not a database, unreadable, or a read-only place
        raise TargetError(f"cannot open the local control plane's database {db}: {exc}") from None
    return transport, Credentials(local.EMBEDDED_CLIENT_ID, local.EMBEDDED_CLIENT_SECRET), db
