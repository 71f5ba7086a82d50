"""Terminal hygiene: names from live state print inert in every format (DESIGN §9.2).

Anyone allowed to create API keys can name one with terminal escape sequences. A reviewer's terminal
must not be cleared, retitled, or shown a fake summary line, and GitHub annotations and Markdown
must not be steered either.
"""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from declarate import terminal
from declarate.model.address import Address
from declarate.render.escape import printable
from tests.e2e.harness import Cli, Sdk

CLEAR = "wipe\x1b[2J\x1b[H"
OSC_TITLE = "title\x1b]0;pwned\x07"
FAKE_SUMMARY = "fake\r\nPlan: 0 to create, 0 to update, 0 to delete."
C1_AND_BIDI = "c1\x9b2J\u202etxt.exe"
MARKUP = "[bold red]markup[/]</details>|cell"
HOSTILE_KEYS = (CLEAR, OSC_TITLE, FAKE_SUMMARY, C1_AND_BIDI, MARKUP)

CONFIG = """
kind: Project
name: team
indexes:
  - name: recs
    dimension: 8
"""


def _inert(text: str) -> None:
    for char in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert char not in text, (char, text)
    assert "\nPlan: 0 to create, 0 to update, 0 to delete." not in text  # the fake line never stands alone


def test_printable_shows_every_control_and_bidi_character_as_text() -> None:
    assert printable(CLEAR) == "wipe\\x1b[2J\\x1b[H"
    assert printable(OSC_TITLE) == "title\\x1b]0;pwned\\x07"
    assert printable(FAKE_SUMMARY) == "fake\\r\\nPlan: 0 to create, 0 to update, 0 to delete."
    assert printable(C1_AND_BIDI) == "c1\\x9b2J\\u202etxt.exe"
    assert printable("plain name-1 émoji ✓") == "plain name-1 émoji ✓"


def test_live_keys_with_hostile_names_print_inert_in_every_format(cli: Cli, sdk: Sdk) -> None:
    cli.write("team.yaml", CONFIG)
    assert cli("apply", "-f", "team.yaml", "--auto-approve").code == 0
    project_id = sdk.project_id("team")
    for name in HOSTILE_KEYS:
        sdk.admin.api_keys.create(project_id=project_id, name=name, roles=["ProjectViewer"])
    summary = cli.cwd / "summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    text = cli("plan", "-f", "team.yaml", extra_env=github)
    assert text.code == 0, text.output
    _inert(text.output)
    assert "wipe\\x1b[2J" in text.stdout and "fake\\r\\nPlan: 0 to create" in text.stdout
    assert "[bold red]markup[%2F]" in text.stdout  # shown as written (its / escaped), never as markup
    assert text.stdout.rstrip().splitlines()[-1].startswith("Plan:")
    assert sum(line.startswith("Plan:") for line in text.stdout.splitlines()) == 1

    markdown = cli("plan", "-f", "team.yaml", "--format", "markdown").stdout
    _inert(markdown)
    assert markdown.count("</details>") == markdown.count("<details>")  # a name cannot close a block
    _inert(summary.read_text())

    as_json = cli("plan", "-f", "team.yaml", "--format", "json").stdout
    _inert(as_json)
    # JSON keeps the real names (escaped by JSON itself), each under its own address.
    names = {Address.parse(u["address"]).name for u in json.loads(as_json)["unmanaged"]}
    assert set(HOSTILE_KEYS) <= names

    drift = cli("drift", "-f", "team.yaml")
    _inert(drift.output)


def test_error_text_is_never_read_as_rich_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(terminal, "err", Console(file=stream, force_terminal=True, width=200))
    with pytest.raises(SystemExit):
        terminal.fail(f"no such project: {MARKUP} {CLEAR}")
    shown = stream.getvalue()
    assert "[bold red]markup[/]" in shown
    assert "wipe\\x1b[2J" in shown
