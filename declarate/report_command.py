"""`declarate report`: usage per project (records, storage, indexes, backups, keys, members).

Flags -> open the target as plan does (same target, credential and environment options) -> read
usage -> one renderer -> exit code. Exit 0 when the report is printed, partial or not: a figure that
could not be read is shown as unknown with the reason, and a warning on stderr counts them;
`--fail-on-unknown` makes a partial report exit 1. Exit 1 on a user error or when the target
cannot be read at all. It changes nothing on the target but the temporary keys it mints and deletes.
"""

from __future__ import annotations

import os
import sys

import click

from declarate.command_steps import (
    EXIT_ERROR,
    EXIT_OK,
    load_or_exit,
    run_or_exit,
    use_color,
    write_step_summary,
)
from declarate.flags import TargetFlags, config_option, target_options
from declarate.model.settings import Settings
from declarate.model.usage import UsageReport
from declarate.providers.base import ReadRequest
from declarate.redaction import redact
from declarate.terminal import fail, note

FORMATS = ("text", "json", "markdown", "csv")


@click.command()
@config_option
@target_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: a table; json: schemas/report.schema.json; csv: a row per project and a total row; "
    "markdown: Mermaid charts of records and storage, then the tables.",
)
@click.option(
    "--project", "projects", multiple=True, metavar="NAME", help="Report only this project (repeatable)."
)
@click.option("--fail-on-unknown", is_flag=True, help="Exit 1 when any figure could not be read.")
def report(
    configs: tuple[str, ...], flags: TargetFlags, fmt: str, projects: tuple[str, ...], fail_on_unknown: bool
) -> None:
    """Usage per project: indexes, records, storage, backups, keys, members. Exit 0, 1 on error.

    With -f or --env, the config's workspace (environment, pinned target, api_key_env) selects and
    opens the target. Reading costs O(projects + indexes) requests.
    """
    settings, directives = Settings(), {}
    if configs or flags.env_name:
        config = load_or_exit(configs, "json" if fmt == "json" else "text", flags.env_name)
        settings, directives = config.settings, dict(config.desired.directives)
    request = ReadRequest(projects=sorted(projects), directives=directives, all_projects=not projects)

    usage = run_or_exit(_read_usage(flags, settings, request))
    missing = sorted(set(projects) - {p.name for p in usage.projects})
    if missing:
        fail(f"no such project: {', '.join(missing)}")
    click.echo(redact(render(usage, fmt, color=use_color())), color=use_color())
    write_step_summary(lambda: render(usage, "markdown", color=False))
    unknown = usage.totals.unknown
    if unknown:
        note(f"Warning: {len(unknown)} part(s) of the report could not be read and are shown as unknown.")
    sys.exit(EXIT_ERROR if unknown and fail_on_unknown else EXIT_OK)


async def _read_usage(flags: TargetFlags, settings: Settings, request: ReadRequest) -> UsageReport:
    from declarate.model.kinds import USAGE_KEY_ROLES
    from declarate.providers.pinecone.session import ProviderOptions
    from declarate.sessions import open_provider

    # The temporary keys also read each index's statistics, which a control-plane role may not.
    options = ProviderOptions(temporary_key_roles=USAGE_KEY_ROLES)
    async with open_provider(flags, settings, provider_options=options) as provider:
        usage = await provider.read_usage(request)
        return UsageReport(provider.target, tuple(usage), flags.env_name)


def render(usage: UsageReport, fmt: str, *, color: bool) -> str:
    """The report in `fmt` (one of FORMATS)."""
    if fmt == "json":
        from declarate.render.usage import render_report_json

        return render_report_json(usage)
    if fmt == "csv":
        from declarate.render.usage import render_report_csv

        return render_report_csv(usage).rstrip("\n")
    if fmt == "markdown":
        from declarate.render.usage_markdown import render_report_markdown

        return render_report_markdown(usage)
    from declarate.render.usage import render_report_text

    width = os.get_terminal_size().columns if color and sys.stdout.isatty() else None
    return render_report_text(usage, color=color, width=width)
