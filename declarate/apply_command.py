"""`declarate apply`: the config (or a saved PLAN.json) -> re-plan -> confirm -> apply -> results.

Reads straight through: open the target, plan (or re-derive the saved plan), show it, refuse a
blocked plan, ask, apply with progress on stderr, show the results. Exit 0 done, 1 failed or
cancelled, 3 blocked. It decides nothing itself (workflow and the engine do) and prints only through
`command_steps` and `terminal`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from declarate.command_steps import (
    EXIT_BLOCKED,
    EXIT_ERROR,
    EXIT_OK,
    echo,
    load_or_exit,
    run_or_exit,
    use_color,
)
from declarate.errors import DeclarateError
from declarate.flags import TargetFlags, config_option, safety_options, secret_options, target_options
from declarate.model.address import Address
from declarate.model.settings import Overrides
from declarate.providers.base import Outcome, Provider
from declarate.secret_files import FileSecretSink, issues_secrets
from declarate.terminal import err, fail, note

if TYPE_CHECKING:
    from declarate.config.pipeline import LoadedConfig
    from declarate.model.saved_plan import SavedPlan
    from declarate.workflow import PlanOutcome


@dataclass(frozen=True)
class ApplyRun:
    """What one `apply` was asked to do: a saved plan or a loaded config, and how to run it."""

    saved: SavedPlan | None
    config: LoadedConfig | None
    overrides: Overrides
    ask: bool  # confirm before changing anything (no --auto-approve, no saved plan)
    parallelism: int
    wait: bool
    sink: FileSecretSink
    rotations: list[Address]


@click.command()
@click.argument("plan_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@target_options
@safety_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--no-wait", is_flag=True, help="Do not wait for indexes to be Ready or deleted.")
@secret_options
def apply(
    plan_file: Path | None,
    configs: tuple[str, ...],
    flags: TargetFlags,
    overrides: Overrides,
    auto_approve: bool,
    parallelism: int,
    no_wait: bool,
    secrets_dir: Path | None,
    rotate: tuple[str, ...],
) -> None:
    """Apply the config (or a saved PLAN.json) to the target. Exit 0 done, 1 failed, 3 blocked."""
    from declarate.secret_lifecycle import parse_rotations
    from declarate.secret_lifecycle import secrets_dir as secrets_dir_for

    if plan_file is not None and configs:
        fail("give either a saved plan or -f config roots, not both")
    saved = _read_saved_plan(plan_file, overrides) if plan_file is not None else None
    config = load_or_exit(configs, env_name=flags.env_name) if saved is None else None
    if saved is None and not auto_approve and not sys.stdin.isatty():
        fail(
            "stdin is not a terminal, so apply cannot ask for confirmation: "
            "pass --auto-approve, or apply a saved plan (declarate plan --out PLAN.json)"
        )
    sink = FileSecretSink(secrets_dir_for(secrets_dir, config.settings if config else None))
    try:
        rotations = parse_rotations(rotate)
        sink.prepare()  # a bad --secrets-dir is refused now, before any change, not after a key exists
    except DeclarateError as exc:
        fail(str(exc))
    ask = saved is None and not auto_approve
    run = ApplyRun(saved, config, overrides, ask, parallelism, not no_wait, sink, rotations)
    sys.exit(run_or_exit(_apply(run, flags)))


async def _apply(run: ApplyRun, flags: TargetFlags) -> int:
    from declarate.render.text import render_plan_text
    from declarate.secret_lifecycle import lost_secret_warnings
    from declarate.sessions import open_provider

    settings = run.config.settings if run.config is not None else None
    async with open_provider(flags, settings, parallelism=run.parallelism) as provider:
        outcome = await _planned(run, provider)
        plan = outcome.plan
        note(
            *lost_secret_warnings(
                outcome.inputs.desired, outcome.live, plan, run.sink.directory, run.rotations
            )
        )
        echo(render_plan_text(plan, color=use_color()))
        if plan.blocked:
            note("Refusing to apply: the plan has blocked changes (see the overrides above).")
            return EXIT_BLOCKED
        if not plan.has_changes and not run.rotations:
            return EXIT_OK
        if run.rotations:
            note("Secrets to rotate: " + ", ".join(map(str, run.rotations)))
        question = "Apply these changes?" if plan.has_changes else "Rotate these secrets?"
        if run.ask and not click.confirm(question, default=False):
            err.print("Apply cancelled.", markup=False)
            return EXIT_ERROR
        if run.rotations or issues_secrets(plan.changes):
            run.sink.ready()  # before any credential exists: a run killed later still leaves it reported
        failed = plan.has_changes and await _changes(run, outcome, provider)
        rotated = (
            await _rotate(provider, run.rotations, run.sink) if run.rotations and not failed else EXIT_OK
        )
        return EXIT_ERROR if failed else rotated


async def _planned(run: ApplyRun, provider: Provider) -> PlanOutcome:
    """The plan to apply: the saved plan re-derived (DESIGN §9.1), or the config planned now."""
    from declarate.plan_files import as_saved
    from declarate.workflow import compute_plan, rederive_saved_plan

    if run.saved is not None:
        return await rederive_saved_plan(run.saved, provider, as_saved)
    assert run.config is not None
    return await compute_plan(run.config, provider, run.overrides)


async def _changes(run: ApplyRun, outcome: PlanOutcome, provider: Provider) -> bool:
    """Apply the plan with progress on stderr and show the results; True when a change failed."""
    from declarate.engine.apply import apply_plan
    from declarate.progress import make_observer
    from declarate.render.results import render_apply_results

    plan, observer = outcome.plan, make_observer(err.console, tty=err.is_terminal)
    try:
        with observer:  # closes a live terminal display even when interrupted
            report = await apply_plan(
                plan,
                outcome.live,
                provider,
                parallelism=run.parallelism,
                wait=run.wait,
                observer=observer,
                secrets=run.sink,
            )
    except asyncio.CancelledError:  # Ctrl-C: show what finished; the provider's cleanup runs next
        echo(render_apply_results(observer.results, color=use_color(), plan=plan, interrupted=True))
        raise
    echo(render_apply_results(report.results, color=use_color(), plan=plan))
    if report.secret_paths:
        note(f"Secrets created by this run were written to {run.sink.directory}/ (mode 0600).")
    return bool(report.failed)


async def _rotate(provider: Provider, addresses: list[Address], sink: FileSecretSink) -> int:
    from declarate.render.results import render_apply_results
    from declarate.secret_lifecycle import rotate_all

    results = await rotate_all(provider, addresses, sink)
    echo(render_apply_results(results, color=use_color()))
    return EXIT_ERROR if any(r.outcome is Outcome.FAILED for r in results) else EXIT_OK


def _read_saved_plan(path: Path, overrides: Overrides) -> SavedPlan:
    from declarate.plan_files import read_plan_file

    try:
        saved, warnings = read_plan_file(path, os.environ, overrides)
    except DeclarateError as exc:
        fail(str(exc))
    note(*(f"Warning: {w}" for w in warnings))
    return saved
