"""Command-line options shared by several commands, each group folded into one typed value.

`target_options` hands a command one `TargetFlags`, `safety_options` one `Overrides`, so command
signatures stay short and every command spells a flag the same way. Parsing only: no I/O.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from declarate import logs
from declarate.model.address import Address, AddressError
from declarate.model.settings import Overrides

if TYPE_CHECKING:
    from declarate.targets import TargetOptions  # imports httpx: loaded only when a target is opened

Command = Callable[..., Any]


def config_option(fn: Command) -> Command:
    return click.option(
        "-f",
        "--config",
        "configs",
        multiple=True,
        type=click.Path(path_type=str),
        help="Config root directory or file (repeatable; default: the current directory).",
    )(fn)


def env_option(fn: Command) -> Command:
    """`--env NAME` (or DECLARATE_ENV): the environment of declarate.yaml the command runs in."""
    return click.option(
        "--env",
        "env_name",
        envvar="DECLARATE_ENV",
        metavar="NAME",
        help="The environment of declarate.yaml to use (its target, credentials, values and overlays).",
    )(fn)


def _debug(_: click.Context, __: click.Parameter, on: bool) -> None:
    if on:
        logs.configure(logging.DEBUG)


def debug_option(fn: Command) -> Command:
    """`-v`/`--verbose`/`--debug`, before or after the command name: log each HTTP request to stderr."""
    return click.option(
        "-v",
        "--verbose",
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_debug,
        help="Log each HTTP request (method, URL, status, latency, retries) to stderr, redacted.",
    )(fn)


def format_option(fn: Command) -> Command:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="Output format.",
    )(fn)


@dataclass(frozen=True)
class TargetFlags:
    """Where to read and apply: the embedded local control plane or a Pinecone-compatible URL."""

    target: str | None
    api_url: str | None
    oauth_url: str | None
    local_db: str | None
    rate_limit: float
    env_name: str | None = None  # --env / DECLARATE_ENV: the environment of declarate.yaml

    def options(self) -> TargetOptions:
        from declarate.targets import TargetOptions

        return TargetOptions.from_env(
            target=self.target, api_url=self.api_url, oauth_url=self.oauth_url, local_db=self.local_db
        )


_TARGET_OPTIONS = (
    click.option(
        "--target",
        type=click.Choice(["local"]),
        default=None,
        help="`local`: the embedded local control plane (the default when no Pinecone credentials are set).",
    ),
    click.option("--api-url", envvar="DECLARATE_API_URL", help="A Pinecone-compatible API URL."),
    click.option(
        "--oauth-url", envvar="DECLARATE_OAUTH_URL", help="OAuth token URL (default derived from --api-url)."
    ),
    click.option(
        "--local-db",
        envvar="DECLARATE_LOCAL_DB",
        type=click.Path(path_type=str),
        help="SQLite file of the embedded local control plane (default .declarate/local.db).",
    ),
    click.option(
        "--rate-limit",
        envvar="DECLARATE_RATE_LIMIT",
        type=click.FloatRange(min=0.1),
        default=100.0,
        show_default=True,
        help="Client-side limit on requests per second to the target.",
    ),
)


def target_options(fn: Command) -> Command:
    """Adds the target flags and passes the command a single `flags: TargetFlags`."""

    @functools.wraps(fn)
    def command(
        *args: Any,
        target: str | None,
        api_url: str | None,
        oauth_url: str | None,
        local_db: str | None,
        rate_limit: float,
        env_name: str | None,
        **kwargs: Any,
    ) -> Any:
        flags = TargetFlags(target, api_url, oauth_url, local_db, rate_limit, env_name)
        return fn(*args, flags=flags, **kwargs)

    wrapped: Command = command
    for option in reversed(_TARGET_OPTIONS):
        wrapped = option(wrapped)
    return debug_option(env_option(wrapped))


def _addresses(_: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        try:
            Address.parse(value)
        except AddressError as exc:
            raise click.BadParameter(str(exc), param=param) from None
    return values


def _prefixes(_: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value.startswith(("project/", "service-account/", "organization")):
            raise click.BadParameter(
                f"{value!r} is not an address prefix (e.g. project/NAME, service-account/NAME, organization)",
                param=param,
            )
    return values


_SAFETY_OPTIONS = (
    click.option(
        "--only",
        multiple=True,
        metavar="ADDRESS_PREFIX",
        callback=_prefixes,
        help="Only changes under these addresses (repeatable); dependencies are not added.",
    ),
    click.option(
        "--allow-replace",
        multiple=True,
        metavar="ADDRESS",
        callback=_addresses,
        help="Accept replacing this index, deleting all its vectors (repeatable).",
    ),
    click.option(
        "--allow-delete",
        multiple=True,
        metavar="ADDRESS",
        callback=_addresses,
        help="Accept deleting (or replacing) this index although it holds records (repeatable).",
    ),
    click.option(
        "--allow-mass-delete", is_flag=True, help="Accept deleting more than the safety fraction of a kind."
    ),
)


def safety_options(fn: Command) -> Command:
    """Adds --only/--allow-replace/--allow-delete/--allow-mass-delete; passes one `overrides: Overrides`."""

    @functools.wraps(fn)
    def command(
        *args: Any,
        only: tuple[str, ...],
        allow_replace: tuple[str, ...],
        allow_delete: tuple[str, ...],
        allow_mass_delete: bool,
        **kwargs: Any,
    ) -> Any:
        overrides = Overrides(
            allow_replace=frozenset(allow_replace),
            allow_mass_delete=allow_mass_delete,
            only=only,
            allow_delete=frozenset(allow_delete),
        )
        return fn(*args, overrides=overrides, **kwargs)

    wrapped: Command = command
    for option in reversed(_SAFETY_OPTIONS):
        wrapped = option(wrapped)
    return wrapped


def secret_options(fn: Command) -> Command:
    """apply's --secrets-dir PATH and --rotate ADDRESS (repeatable)."""
    fn = click.option(
        "--rotate",
        "rotate",
        multiple=True,
        metavar="ADDRESS",
        help="Issue a new secret for a live API key (replaced) or service account (rotated), e.g. one "
        "whose secret was lost (repeatable).",
    )(fn)
    return click.option(
        "--secrets-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Where secrets created by apply are written once (files mode 0600). "
        "Default: the Workspace's secrets_dir, else .declarate/secrets.",
    )(fn)
