"""The `declarate` command line: flags -> one workflow call -> one renderer -> exit code.

This is the only module that prints. Exit codes (DESIGN §4): 0 success and no changes, 1 error,
2 changes present (plan/drift with --detailed-exitcode; drift always), 3 the plan has blocked changes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from declarate import __version__, logs, startup
from declarate.diagnostics import Diagnostic
from declarate.errors import DeclarateError
from declarate.export_files import write_export
from declarate.flags import (
    TargetFlags,
    config_option,
    debug_option,
    env_option,
    format_option,
    safety_options,
    secret_options,
    target_options,
)
from declarate.model.address import Address
from declarate.model.plan import Plan
from declarate.model.settings import Overrides, Settings
from declarate.plan_files import as_saved, read_plan_file, write_plan_file
from declarate.providers.base import Outcome, Provider
from declarate.redaction import redact, register_environment
from declarate.render.diagnostics import render_diagnostics_json, render_diagnostics_text
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from declarate.render.github import diagnostic_annotations, plan_annotations
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.refusal import error_message
from declarate.render.results import render_apply_results
from declarate.render.text import render_plan_text
from declarate.secret_files import FileSecretSink
from declarate.secret_lifecycle import lost_secret_warnings, parse_rotations, rotate_all
from declarate.secret_lifecycle import secrets_dir as secrets_dir_for
from declarate.sessions import run_async
from declarate.sessions import with_provider as _with_provider
from declarate.terminal import err, out
from declarate.terminal import fail as _fail
from declarate.terminal import note as _note

# Start-up (DESIGN §9.4: `--version` and `validate` within 0.25 s): the modules below pull in asyncio,
# httpx, deepdiff, jsonschema, yaml or rich, so each command imports them where it needs them;
# tests/test_startup.py checks that `--version` loads none of them.
if TYPE_CHECKING:
    from declarate.config.pipeline import LoadedConfig
    from declarate.model.saved_plan import SavedPlan

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's convention for SIGINT
T = TypeVar("T")


def _color() -> bool:
    return out.is_terminal and "NO_COLOR" not in os.environ


def _on_github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _echo(text: str) -> None:
    """Print rendered text as is (it is already colored or plain)."""
    click.echo(redact(text), color=_color())


def _load(
    configs: tuple[str, ...], fmt: str = "text", env_name: str | None = None, *, every: bool = False
) -> LoadedConfig:
    """Load and validate config; on any error print every diagnostic and exit 1 (nothing is sent).

    With `fmt` "json" the diagnostics of a config that has errors also go to stdout, as JSON, so a
    tool reading stdout gets a document either way. `every`: each environment when none is selected.
    """
    from declarate.config.selection import load_selected

    config = load_selected(list(configs) or ["."], os.environ, env_name, every=every)
    _report_diagnostics(config.diagnostics)
    if not config.ok:
        if fmt == "json":
            click.echo(redact(render_diagnostics_json(config.diagnostics)))
        sys.exit(EXIT_ERROR)
    return config


def _report_diagnostics(diagnostics: list[Diagnostic]) -> None:
    if not diagnostics:
        return
    text = render_diagnostics_text(diagnostics, color=err.is_terminal)
    err.print(redact(text), markup=False, highlight=False)
    if _on_github():
        click.echo(redact(diagnostic_annotations(diagnostics)), err=True)  # stdout stays machine-readable


def _run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine, turning every DeclarateError into one clear line and exit 1."""
    try:
        return run_async(work)
    except DeclarateError as exc:
        message, lines = error_message(exc)
        _fail(message, lines=lines)


# --- commands -------------------------------------------------------------------------------------


class _Commands(click.Group):
    """The top-level group. `local` (the local control plane: starlette, uvicorn) is imported only
    when it is looked up, so no other command pays for it; `declarate local serve --help` works."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "local": ("declarate.local.cli", "local_group"),
        "report": ("declarate.report_command", "report"),  # usage per project
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), name=cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="declarate")
@debug_option
def main() -> None:
    """Declarative GitOps for Pinecone: validate, plan and apply projects, indexes, keys and access."""


@main.command()
@config_option
@env_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: the diagnostics as one JSON document on stdout (file, line, column, path, code, message, hint).",
)
def validate(configs: tuple[str, ...], env_name: str | None, fmt: str) -> None:
    """Check the config offline (schema, rules), in every environment unless --env. Exit 0 valid, 1 not."""
    config = _load(configs, fmt, env_name, every=True)
    documents = len(config.documents)
    if fmt == "json":
        click.echo(
            redact(render_diagnostics_json(config.diagnostics, documents=documents, files=len(config.files)))
        )
    else:
        names = ", ".join(e.name for e in config.settings.environments) if env_name is None else env_name
        where = f" in environment(s) {names}" if names else ""
        click.echo(f"Valid: {documents} document(s) in {len(config.files)} file(s){where}.")


@main.command()
def schema() -> None:
    """Print the config JSON Schema (for editors such as yaml-language-server)."""
    from declarate.config.schema import config_schema

    click.echo(json.dumps(config_schema(), indent=2))


@main.command()
@config_option
@target_options
@safety_options
@format_option
@click.option(
    "--out", "out_file", type=click.Path(path_type=Path), help="Save the plan for `apply PLAN.json`."
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 3 blocked).")
def plan(
    configs: tuple[str, ...],
    flags: TargetFlags,
    overrides: Overrides,
    fmt: str,
    out_file: Path | None,
    detailed_exitcode: bool,
) -> None:
    """Show what apply would change. Exit 0 (2 with --detailed-exitcode when changes), 3 blocked, 1 error."""
    from declarate.workflow import compute_plan

    config = _load(configs, fmt, flags.env_name)
    outcome = _run(
        lambda: _with_provider(flags, lambda p: compute_plan(config, p, overrides), config.settings)
    )
    result = outcome.plan
    _note(*lost_secret_warnings(config.desired, outcome.live, result, secrets_dir_for(None, config.settings)))
    if fmt == "json":
        click.echo(redact(render_plan_json(result)))
    elif fmt == "markdown":
        click.echo(redact(render_plan_markdown(result)))
    else:
        _echo(render_plan_text(result, color=_color()))
    _write_step_summary(lambda: render_plan_markdown(result))
    if _on_github() and (annotations := plan_annotations(result)):
        click.echo(redact(annotations), err=True)  # the runner reads both streams; stdout stays JSON
    if out_file is not None:
        _note(*(f"Warning: {w}" for w in write_plan_file(out_file, result, outcome.inputs, os.environ)))
        _note(f"Saved the plan to {out_file}. Apply it with: declarate apply {out_file}")
    sys.exit(_plan_exit_code(result, detailed_exitcode))


def _plan_exit_code(result: Plan, detailed: bool) -> int:
    if result.blocked:
        return EXIT_BLOCKED
    if detailed and result.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


def _write_step_summary(render: Callable[[], str]) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(redact(render()) + "\n")


@main.command()
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
    if plan_file is not None and configs:
        _fail("give either a saved plan or -f config roots, not both")
    saved = _read_saved_plan(plan_file, overrides) if plan_file is not None else None
    config = _load(configs, env_name=flags.env_name) if saved is None else None
    if saved is None and not auto_approve and not sys.stdin.isatty():
        _fail(
            "stdin is not a terminal, so apply cannot ask for confirmation: "
            "pass --auto-approve, or apply a saved plan (declarate plan --out PLAN.json)"
        )
    import asyncio

    from declarate.engine.apply import apply_plan
    from declarate.progress import make_observer
    from declarate.workflow import compute_plan, rederive_saved_plan

    secrets_dir = secrets_dir_for(secrets_dir, config.settings if config else None)
    sink = FileSecretSink(secrets_dir)
    try:
        rotations = parse_rotations(rotate)
        sink.prepare()  # a bad --secrets-dir is refused now, before any change, not after a key exists
    except DeclarateError as exc:
        _fail(str(exc))
    observer = make_observer(err.console, tty=err.is_terminal)

    async def work(provider: Provider) -> int:
        if saved is not None:
            outcome = await rederive_saved_plan(saved, provider, as_saved)
        else:
            assert config is not None
            outcome = await compute_plan(config, provider, overrides)
        result, live = outcome.plan, outcome.live
        _note(*lost_secret_warnings(outcome.inputs.desired, live, result, sink.directory, rotations))
        _echo(render_plan_text(result, color=_color()))
        if result.blocked:
            _note("Refusing to apply: the plan has blocked changes (see the overrides above).")
            return EXIT_BLOCKED
        if not result.has_changes and not rotations:
            return EXIT_OK
        if rotations:
            _note("Secrets to rotate: " + ", ".join(map(str, rotations)))
        question = "Apply these changes?" if result.has_changes else "Rotate these secrets?"
        if saved is None and not auto_approve and not click.confirm(question, default=False):
            err.print("Apply cancelled.", markup=False)
            return EXIT_ERROR
        if not result.has_changes:
            return await _rotate(provider, rotations, sink)
        try:
            with observer:  # closes a live terminal display even when interrupted
                report = await apply_plan(
                    result,
                    live,
                    provider,
                    parallelism=parallelism,
                    wait=not no_wait,
                    observer=observer,
                    secrets=sink,
                )
        except asyncio.CancelledError:  # Ctrl-C: show what finished; the provider's cleanup runs next
            _echo(render_apply_results(observer.results, color=_color(), plan=result, interrupted=True))
            raise
        _echo(render_apply_results(report.results, color=_color(), plan=result))
        if report.secret_paths:
            _note(f"Secrets created by this run were written to {secrets_dir}/ (mode 0600).")
        rotated = await _rotate(provider, rotations, sink) if rotations and not report.failed else EXIT_OK
        return EXIT_ERROR if report.failed else rotated

    settings = config.settings if config is not None else None
    sys.exit(_run(lambda: _with_provider(flags, work, settings, parallelism=parallelism)))


async def _rotate(provider: Provider, addresses: list[Address], sink: FileSecretSink) -> int:
    results = await rotate_all(provider, addresses, sink)
    _echo(render_apply_results(results, color=_color()))
    return EXIT_ERROR if any(r.outcome is Outcome.FAILED for r in results) else EXIT_OK


def _read_saved_plan(path: Path, overrides: Overrides) -> SavedPlan:
    try:
        saved, warnings = read_plan_file(path, os.environ, overrides)
    except DeclarateError as exc:
        _fail(str(exc))
    _note(*(f"Warning: {w}" for w in warnings))
    return saved


@main.command()
@config_option
@target_options
@format_option
@click.option("--fail-on-unmanaged", is_flag=True, help="Exit 2 when unmanaged live objects exist, too.")
def drift(configs: tuple[str, ...], flags: TargetFlags, fmt: str, fail_on_unmanaged: bool) -> None:
    """Report how live state drifted from the config. Exit 0 in sync, 2 drifted, 1 error."""
    from declarate.workflow import compute_plan, coverage

    config = _load(configs, fmt, flags.env_name)
    outcome = _run(
        lambda: _with_provider(flags, lambda p: compute_plan(config, p, Overrides()), config.settings)
    )
    figures = coverage(outcome.plan, outcome.live)
    if fmt == "json":
        click.echo(redact(render_drift_json(outcome.plan, coverage=figures)))
    elif fmt == "markdown":
        click.echo(redact(render_drift_markdown(outcome.plan, coverage=figures)))
    else:
        _echo(render_drift_text(outcome.plan, coverage=figures, color=_color()))
    _write_step_summary(lambda: render_drift_markdown(outcome.plan, coverage=figures))
    drifted = outcome.plan.has_changes or (fail_on_unmanaged and bool(outcome.plan.unmanaged))
    sys.exit(EXIT_CHANGES if drifted else EXIT_OK)


@main.command()
@config_option
@target_options
@click.option(
    "--project", "projects", multiple=True, metavar="NAME", help="Export only this project (repeatable)."
)
@click.option(
    "-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Write files under DIR."
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist under DIR.")
def export(
    configs: tuple[str, ...],
    flags: TargetFlags,
    projects: tuple[str, ...],
    output: Path | None,
    force: bool,
) -> None:
    """Write live state as schema-valid config (for adoption). Secrets are never exported.

    With -f, the workspace settings there (e.g. a custom ownership tag) shape the export. Existing
    files under DIR are never overwritten without --force: nothing is written when one would be.
    """
    from declarate.render.export import export_documents
    from declarate.workflow import read_for_export

    settings = _load(configs, env_name=flags.env_name).settings if configs or flags.env_name else Settings()
    live = _run(lambda: _with_provider(flags, lambda p: read_for_export(p, list(projects)), settings))
    missing = sorted(set(projects) - set(live.projects()))
    if missing:
        _fail(f"no such project: {', '.join(missing)}")
    files = export_documents(live, settings, list(projects) or None)
    if output is None:
        click.echo(redact("---\n".join(files.values())), nl=False)
        return
    try:
        write_export(
            output,
            {relative: redact(text) for relative, text in files.items()},
            force=force,
            written=lambda path: err.print(f"wrote {path}", markup=False),
        )
    except DeclarateError as exc:
        _fail(str(exc))


def run() -> None:
    """Console entry point. Usage errors exit 1, not click's 2, because 2 means "changes present"."""
    register_environment(os.environ)  # credential-named variables are hidden from every output
    startup.prepare_process()
    try:
        level = logs.level_from_env()
    except logs.UnknownLevel as exc:
        _fail(str(exc))
    if level is not None:
        logs.configure(level)
    try:
        code = main.main(standalone_mode=False)
    except click.exceptions.Abort as abort:
        # click turns Ctrl-C into Abort; asyncio.run has cancelled the run and its finally blocks
        # (temporary-key cleanup) have run by then.
        interrupted = isinstance(abort.__cause__, KeyboardInterrupt)
        err.print("Interrupted." if interrupted else "Aborted.", markup=False)
        code = EXIT_INTERRUPTED if interrupted else EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    except KeyboardInterrupt:  # outside click's own handling (e.g. while it parses)
        err.print("Interrupted.", markup=False)
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else EXIT_OK)


if __name__ == "__main__":
    run()
