"""``declarate local``: the click group that serves the local control plane over HTTP.

``local_group`` is attached to the main ``declarate`` CLI by the lead; ``python -m declarate.local``
runs it standalone. ``serve`` prints the URL and the owner's client id and secret, then serves until
SIGINT/SIGTERM and exits 0. Flag parsing and printing only: the server lives in ``serve.py``.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import click

from .serve import DEFAULT_HOST, DEFAULT_PORT, CannotServe, ServerHandle, serve_forever
from .settings import FAULT_KINDS, LocalSettings


@click.group("local", help="Run declarate's local Pinecone-compatible control plane.")
def local_group() -> None:
    """The ``declarate local`` command group."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@local_group.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option(
    "--data",
    "data",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite data file (WAL); in memory when omitted.",
)
@click.option(
    "--client-id",
    envvar="DECLARATE_LOCAL_CLIENT_ID",
    default=None,
    help="Client id of the bootstrap owner service account [env DECLARATE_LOCAL_CLIENT_ID].",
)
@click.option(
    "--client-secret",
    envvar="DECLARATE_LOCAL_CLIENT_SECRET",
    default=None,
    help="Client secret of the bootstrap owner [env DECLARATE_LOCAL_CLIENT_SECRET].",
)
@click.option(
    "--ready-after",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds indexes stay Initializing/Terminating/Scaling.",
)
@click.option("--token-ttl", type=float, default=3600.0, show_default=True, help="OAuth token lifetime (s).")
@click.option("--latency-ms", type=float, default=0.0, show_default=True, help="Delay added to each request.")
@click.option(
    "--fail-rate",
    type=float,
    default=0.0,
    show_default=True,
    help="Fraction of requests failed with 500, 503 or a dropped connection.",
)
@click.option(
    "--fail-kind",
    "fail_kinds",
    multiple=True,
    type=click.Choice(FAULT_KINDS),
    help="Failures to draw from (repeatable; default all).",
)
@click.option("--rate-limit", type=float, default=None, help="Requests per second before 429 (token bucket).")
@click.option(
    "--fault-route",
    "fault_routes",
    multiple=True,
    help="Only fault routes with this path prefix, optionally 'METHOD /prefix' (repeatable).",
)
@click.option("--fault-seed", type=int, default=None, help="Seed for reproducible faults.")
def serve(
    host: str,
    port: int,
    data: str | None,
    client_id: str | None,
    client_secret: str | None,
    ready_after: float,
    token_ttl: float,
    latency_ms: float,
    fail_rate: float,
    fail_kinds: tuple[str, ...],
    rate_limit: float | None,
    fault_routes: tuple[str, ...],
    fault_seed: int | None,
) -> None:
    """Serve the local control plane until SIGINT or SIGTERM."""
    if data:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(data)), exist_ok=True)
        except OSError as exc:
            raise click.ClickException(
                f"cannot create the directory of --data {data}: {_reason(exc)}"
            ) from None
    try:
        settings = LocalSettings(
            db_path=data,
            client_id=client_id,
            client_secret=client_secret,
            ready_after=ready_after,
            token_ttl=token_ttl,
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            fail_kinds=fail_kinds or FAULT_KINDS,
            rate_limit=rate_limit,
            fault_route=fault_routes,
            fault_seed=fault_seed,
            refuse_embedded_credentials=True,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None

    def announce(handle: ServerHandle) -> None:
        click.echo(f"declarate local control plane (Pinecone API 2026-07) listening on {handle.url}")
        click.echo(f"  data:          {data or 'in memory'}")
        click.echo(f"  client id:     {handle.client_id}")
        click.echo(f"  client secret: {handle.client_secret}")
        click.echo(f"  oauth url:     {handle.oauth_url}")
        click.echo("Press CTRL+C to stop.")
        sys.stdout.flush()

    # uvicorn handles the signals while serving and re-raises them afterwards; these handlers turn
    # that final re-raise into a clean exit 0.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        serve_forever(settings, host=host, port=port, on_ready=announce)
    except CannotServe as exc:
        raise click.ClickException(str(exc)) from None


def _reason(exc: OSError) -> str:
    """`Permission denied`, not `[Errno 13] Permission denied: '/x'`: the caller names the path."""
    return exc.strerror or str(exc)
