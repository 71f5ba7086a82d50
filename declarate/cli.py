"""The `declarate` command line: flags -> one workflow call -> one renderer -> exit code.

This is the only module that prints. Exit codes (DESIGN §4): 0 success and no changes, 1 error,
2 changes present (plan/drift with --detailed-exitcode; drift always), 3 the plan has blocked changes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from declarate import __version__, logs, startup
from declarate.command_steps import (
    EXIT_BLOCKED,
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    echo,
    load_or_exit,
    on_github,
    run_or_exit,
    use_color,
    write_step_summary,
)
from declarate.errors import DeclarateError
from declarate.export_files import write_export
from declarate.flags import (
    TargetFlags,
    config_option,
    debug_option,
    env_option,
    format_option,
    safety_options,
    target_options,
)
from declarate.model.plan import Plan
from declarate.model.settings import Overrides, Settings
from declarate.plan_files import write_plan_file
from declarate.redaction import redact, register_environment
from declarate.render.diagnostics import render_diagnostics_json
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from declarate.render.github import plan_annotations
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.refusal import error_message
from declarate.render.text import render_plan_text
from declarate.secret_lifecycle import lost_secret_warnings
from declarate.secret_lifecycle import secrets_dir as secrets_dir_for
from declarate.sessions import open_provider
from declarate.terminal import err
from declarate.terminal import fail as _fail
from declarate.terminal import note as _note

# Start-up (DESIGN §9.4: `--version` and `validate` within 0.25 s): the modules below pull in asyncio,
# httpx, deepdiff, jsonschema, yaml or rich, so each command imports them where it needs them;
# tests/test_startup.py checks that `--version` loads none of them.
if TYPE_CHECKING:
    from declarate.config.pipeline import LoadedConfig
    from declarate.model.state import State
    from declarate.workflow import PlanOutcome

# The shell's convention for SIGINT; entry.py repeats it, since it must not import this module.
EXIT_INTERRUPTED = 130


# --- commands -------------------------------------------------------------------------------------


class _Commands(click.Group):
    """The top-level group. `local` (the local control plane: starlette, uvicorn) is imported only
    when it is looked up, so no other command pays for it; `declarate local serve --help` works."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "local": ("declarate.local.cli", "local_group"),
        "report": ("declarate.report_command", "report"),  # usage per project
        "apply": ("declarate.apply_command", "apply"),
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
    config = load_or_exit(configs, fmt, env_name, every=True)
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
    config = load_or_exit(configs, fmt, flags.env_name)
    outcome = run_or_exit(_planned(config, flags, overrides))
    result = outcome.plan
    _note(*lost_secret_warnings(config.desired, outcome.live, result, secrets_dir_for(None, config.settings)))
    if fmt == "json":
        click.echo(redact(render_plan_json(result)))
    elif fmt == "markdown":
        click.echo(redact(render_plan_markdown(result)))
    else:
        echo(render_plan_text(result, color=use_color()))
    write_step_summary(lambda: render_plan_markdown(result))
    if on_github() and (annotations := plan_annotations(result)):
        click.echo(redact(annotations), err=True)  # the runner reads both streams; stdout stays JSON
    if out_file is not None:
        _note(*(f"Warning: {w}" for w in write_plan_file(out_file, result, outcome.inputs, os.environ)))
        _note(f"Saved the plan to {out_file}. Apply it with: declarate apply {out_file}")
    sys.exit(_plan_exit_code(result, detailed_exitcode))


async def _planned(config: LoadedConfig, flags: TargetFlags, overrides: Overrides) -> PlanOutcome:
    from declarate.workflow import compute_plan

    async with open_provider(flags, config.settings) as provider:
        return await compute_plan(config, provider, overrides, read_only=True)


def _plan_exit_code(result: Plan, detailed: bool) -> int:
    if result.blocked:
        return EXIT_BLOCKED
    if detailed and result.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


@main.command()
@config_option
@target_options
@format_option
@click.option("--fail-on-unmanaged", is_flag=True, help="Exit 2 when unmanaged live objects exist, too.")
def drift(configs: tuple[str, ...], flags: TargetFlags, fmt: str, fail_on_unmanaged: bool) -> None:
    """Report how live state drifted from the config. Exit 0 in sync, 2 drifted, 1 error."""
    from declarate.workflow import coverage

    config = load_or_exit(configs, fmt, flags.env_name)
    outcome = run_or_exit(_planned(config, flags, Overrides()))
    figures = coverage(outcome.plan, outcome.live)
    if fmt == "json":
        click.echo(redact(render_drift_json(outcome.plan, coverage=figures)))
    elif fmt == "markdown":
        click.echo(redact(render_drift_markdown(outcome.plan, coverage=figures)))
    else:
        echo(render_drift_text(outcome.plan, coverage=figures, color=use_color()))
    write_step_summary(lambda: render_drift_markdown(outcome.plan, coverage=figures))
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

    settings = (
        load_or_exit(configs, env_name=flags.env_name).settings if configs or flags.env_name else Settings()
    )
    live = run_or_exit(_exported(flags, settings, list(projects)))
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
        message, lines = error_message(exc)
        _fail(message, lines=lines)


async def _exported(flags: TargetFlags, settings: Settings, projects: list[str]) -> State:
    from declarate.workflow import read_for_export

    async with open_provider(flags, settings) as provider:
        return await read_for_export(provider, projects)


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
    except SystemExit as done:  # a command's sys.exit(CODE): ended below like every other run
        if done.code is not None and not isinstance(done.code, int):
            raise  # a message to print: Python's own exit says it
        code = done.code
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
    startup.exit_process(code if isinstance(code, int) else EXIT_OK)


if __name__ == "__main__":
    run()
