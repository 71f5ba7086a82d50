"""The `declarate-validate` pre-commit hook (`.pre-commit-hooks.yaml`) runs, and fails on bad config.

Runs the hook's `entry` with its `args` the way pre-commit does (the entry split into words, the args
after it, no file names since `pass_filenames: false`), in a repository holding a copy of the quickstart.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"


def the_hook() -> dict[str, Any]:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return dict(hook)


def run_hook(repository: Path, args: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    hook = the_hook()
    entry = shlex.split(hook["entry"])
    # The console script pre-commit's environment would have; this interpreter's, or its module.
    script = Path(sys.executable).parent / entry[0]
    command = [str(script)] if script.exists() else [sys.executable, "-m", "declarate.cli"]
    return subprocess.run(
        [*command, *entry[1:], *(hook["args"] if args is None else args)],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_hook_is_declared_for_the_whole_config() -> None:
    hook = the_hook()
    assert hook["id"] == "declarate-validate"
    assert hook["language"] == "python"  # installed from this repository: no package index holds it
    assert hook["entry"] == "declarate validate"
    assert hook["pass_filenames"] is False  # rules span files: validate the roots, not single files
    assert hook["args"] == ["-f", "config"]


def test_the_hook_passes_on_valid_config(tmp_path: Path) -> None:
    shutil.copytree(QUICKSTART, tmp_path / "config")

    done = run_hook(tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_hook_fails_on_bad_config_naming_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(QUICKSTART, tmp_path / "config")
    team = tmp_path / "config" / "projects" / "apparel-team.yaml"
    team.write_text(team.read_text().replace("dimension: 1536", "dimensoin: 1536"))
    line = next(n for n, text in enumerate(team.read_text().splitlines(), 1) if "dimensoin" in text)

    done = run_hook(tmp_path)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert f"apparel-team.yaml:{line}" in output
    assert "dimension" in output and "Traceback" not in output


def test_the_hooks_args_choose_the_config_roots(tmp_path: Path) -> None:
    shutil.copytree(QUICKSTART, tmp_path / "infra" / "pinecone")
    (tmp_path / "infra" / "pinecone" / "broken.yaml").write_text("name: x\nkind: Projcet\n")

    done = run_hook(tmp_path, ["-f", "infra/pinecone"])

    assert done.returncode == 1
    assert "infra/pinecone/broken.yaml:2" in done.stdout + done.stderr
