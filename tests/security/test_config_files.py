"""Config file safety: symlinks out of the root are refused unread, FIFOs skipped, other files noted."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.harness import Cli

CREDENTIAL = "client_secret: outside-credential-value-0123456789"


def _root(cli: Cli) -> Path:
    cli.write("config/team.yaml", "kind: Project\nname: team\n")
    return cli.cwd / "config"


def test_a_symlink_leaving_the_root_is_refused_and_never_quoted(embedded_cli: Cli) -> None:
    root = _root(embedded_cli)
    (embedded_cli.cwd / "credentials.yaml").write_text(CREDENTIAL + "\n")
    os.symlink(embedded_cli.cwd / "credentials.yaml", root / "creds.yaml")
    run = embedded_cli("validate", "-f", "config")
    assert run.code == 1
    assert "config/creds.yaml' is a symlink to a file outside the config root" in run.stderr
    assert "outside-credential-value" not in run.output


def test_a_symlink_inside_the_root_is_read(embedded_cli: Cli) -> None:
    root = _root(embedded_cli)
    (root / "shared").mkdir()
    (root / "shared" / "other.yaml").write_text("kind: Project\nname: other\n")
    os.symlink(root / "shared" / "other.yaml", root / "link.yaml")
    run = embedded_cli("validate", "-f", "config")
    assert run.code == 0, run.output


def test_a_fifo_is_skipped_with_a_note_instead_of_hanging(embedded_cli: Cli) -> None:
    root = _root(embedded_cli)
    os.mkfifo(root / "pipe.yaml")
    run = embedded_cli("validate", "-f", "config")  # the harness times out after 120 s if it hangs
    assert run.code == 0, run.output
    assert "skipped 'config/pipe.yaml': not regular files" in run.stderr

    named = embedded_cli("validate", "-f", "config/pipe.yaml")
    assert named.code == 1
    assert "not a regular file" in named.stderr


def test_files_with_other_extensions_are_listed_in_a_note(embedded_cli: Cli) -> None:
    root = _root(embedded_cli)
    (root / "index.json").write_text("{}")
    (root / "team.yaml.bak").write_text("kind: Project\nname: old\n")
    run = embedded_cli("validate", "-f", "config")
    assert run.code == 0, run.output
    assert (
        "not read (only *.yaml and *.yml are config): 'config/index.json', 'config/team.yaml.bak'"
        in run.stderr
    )
