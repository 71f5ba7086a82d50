"""Secrets beyond the plan: where they are written, which live credentials lost theirs, rotations.

`secrets_dir` resolves the directory (`--secrets-dir`, the Workspace's `secrets_dir`, the default),
`lost_secret_warnings` names each declared credential that exists live without its secret file, and
`rotate_all` runs `apply --rotate` requests one by one. The cli prints what these return; nothing here
prints or decides what a plan changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from declarate.errors import DeclarateError
from declarate.model.address import Address, AddressError
from declarate.model.plan import Action, Plan
from declarate.model.settings import Settings
from declarate.model.state import State
from declarate.providers.base import ChangeResult, Provider
from declarate.secret_files import SECRET_FIELDS, FileSecretSink, lost_secrets

DEFAULT_SECRETS_DIR = Path(".declarate") / "secrets"


class RotateError(DeclarateError):
    """A `--rotate` argument that names nothing with a secret."""


def secrets_dir(given: Path | None, settings: Settings | None) -> Path:
    """--secrets-dir, else the Workspace's `secrets_dir`, else `.declarate/secrets`."""
    if given is not None:
        return given
    return Path(settings.secrets_dir) if settings and settings.secrets_dir else DEFAULT_SECRETS_DIR


def parse_rotations(texts: Iterable[str]) -> list[Address]:
    """The `--rotate` addresses, each an API key or a service account; RotateError says why not."""
    addresses = []
    for text in texts:
        try:
            address = Address.parse(text)
        except AddressError as exc:
            raise RotateError(f"--rotate: {exc}") from None
        if address.kind not in SECRET_FIELDS:
            raise RotateError(f"--rotate {text}: only API keys and service accounts have secrets to rotate")
        addresses.append(address)
    return addresses


def lost_secret_warnings(
    desired: State, live: State, plan: Plan, directory: Path, rotating: Sequence[Address] = ()
) -> list[str]:
    """`Warning: secret lost` for each declared credential that exists live without its secret file.

    Informational, not a block: the credential works for whoever holds its secret elsewhere (a vault);
    only its owner can tell, and `apply --rotate ADDRESS` issues a new one when it is really lost.
    Credentials the plan deletes or replaces, and those being rotated, are left out.
    """
    going = {c.address for c in plan.changes if c.action in (Action.DELETE, Action.REPLACE)}
    kept = [a for a in desired.resources if a not in going and a not in rotating]
    return [
        f"Warning: secret lost: {address} exists live, but {directory}/ holds no secret file for it; "
        f"`declarate apply --rotate {address}` issues a new one."
        for address in lost_secrets(kept, live, FileSecretSink(directory))
    ]


async def rotate_all(
    provider: Provider, addresses: Sequence[Address], sink: FileSecretSink
) -> list[ChangeResult]:
    """Rotate each secret in turn (never in parallel: each may replace a key)."""
    return [await provider.rotate_secret(address, sink) for address in addresses]
