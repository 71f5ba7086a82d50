"""The steps every command shares at its edges: load the config or exit 1, run its coroutine or exit 1,
print rendered text, write the GitHub step summary, and the exit codes.

`cli` and the command modules (`apply_command`, `report_command`) call these, so no command module
reaches into another's private helpers. Like `cli`, this prints (only through click and `terminal`,
always redacted); it decides nothing about a plan and never talks to an API itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click

from declarate.diagnostics import Diagnostic
from declarate.errors import DeclarateError
from declarate.redaction import redact
from declarate.render.diagnostics import render_diagnostics_json, render_diagnostics_text
from declarate.render.github import diagnostic_annotations
from declarate.render.refusal import error_message
from declarate.sessions import run_async
from declarate.startup import keep_until_exit
from declarate.terminal import err, fail, out

if TYPE_CHECKING:
    from declarate.config.pipeline import LoadedConfig

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED = 0, 1, 2, 3
T = TypeVar("T")


def use_color() -> bool:
    """True when stdout is a terminal and NO_COLOR is not set."""
    return out.is_terminal and "NO_COLOR" not in os.environ


def on_github() -> bool:
    """True inside a GitHub Actions job (annotations and a step summary are wanted)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def echo(text: str) -> None:
    """Print rendered text as is (it is already colored or plain), redacted."""
    click.echo(redact(text), color=use_color())


def load_or_exit(
    configs: tuple[str, ...], fmt: str = "text", env_name: str | None = None, *, every: bool = False
) -> LoadedConfig:
    """Load and validate config; on any error print every diagnostic and exit 1 (nothing is sent).

    With `fmt` "json" the diagnostics of a config that has errors also go to stdout, as JSON, so a
    tool reading stdout gets a document either way. `every`: each environment when none is selected.
    """
    from declarate.config.pipeline import load_config

    config = load_config(list(configs) or ["."], os.environ, environment=env_name, every=every)
    report_diagnostics(config.diagnostics)
    if not config.ok:
        if fmt == "json":
            click.echo(redact(render_diagnostics_json(config.diagnostics)))
        sys.exit(EXIT_ERROR)
    return keep_until_exit(config)


def report_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Every diagnostic on stderr (and as GitHub annotations inside a job)."""
    if not diagnostics:
        return
    text = render_diagnostics_text(diagnostics, color=err.is_terminal)
    err.print(redact(text), markup=False, highlight=False)
    if on_github():
        click.echo(redact(diagnostic_annotations(diagnostics)), err=True)  # stdout stays machine-readable


def run_or_exit(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine, turning every DeclarateError into one clear line and exit 1."""
    try:
        return keep_until_exit(run_async(work))
    except DeclarateError as exc:
        message, lines = error_message(exc)
        fail(message, lines=lines)


def write_step_summary(render: Callable[[], str]) -> None:
    """Append `render()` (redacted) to the GitHub step summary, when the job has one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(redact(render()) + "\n")
