"""The bad-input corpus: broken config in, the diagnostics a user must see out.

Each folder `NNN-what/` holds bad config files and `expect.yaml`, a list of `{file, line, message}`:
for each entry at least one error must name that file (basename) and line and contain the message
fragment (case-insensitive; the hint counts as part of the message). Optional files next to it:
`generate.yaml` lists files the test writes before loading (`{file, head, repeat, bytes}`: too big to
commit), `env.yaml` is the environment for `${VAR}` (default: empty). The case files are copied to a
temporary root without these, so they are never read as config.

Cases run through `declarate.config.pipeline.load_config` exactly as `declarate validate` calls it
(every environment), and through `declarate validate` itself, which must exit 1 without a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from declarate.config.pipeline import load_config
from declarate.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parent
CASES = sorted(p for p in CORPUS.iterdir() if (p / "expect.yaml").is_file())
CASE_FILES = {"expect.yaml", "generate.yaml", "env.yaml"}


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: ...{self.message}..."


def expectations(case: Path) -> list[Expected]:
    entries = yaml.safe_load((case / "expect.yaml").read_text())
    return [Expected(str(e["file"]), int(e["line"]), str(e["message"])) for e in entries]


def case_env(case: Path) -> dict[str, str]:
    path = case / "env.yaml"
    return (
        {str(k): str(v) for k, v in (yaml.safe_load(path.read_text()) or {}).items()} if path.exists() else {}
    )


def arrange(case: Path, tmp_path: Path) -> Path:
    """A config root holding the case's files (and any generated ones), without the case's own files."""
    root = tmp_path / case.name
    shutil.copytree(case, root, ignore=lambda folder, names: [n for n in names if n in CASE_FILES])
    generate = case / "generate.yaml"
    for spec in yaml.safe_load(generate.read_text()) if generate.exists() else []:
        head, repeat = spec["head"].encode(), spec["repeat"].encode()
        count = (int(spec["bytes"]) - len(head)) // len(repeat) + 1
        (root / spec["file"]).write_bytes(head + repeat * count)
    return root


def diagnose(root: Path, env: dict[str, str]) -> list[Diagnostic]:
    return list(load_config([root], env=env, every=True).diagnostics)


def matches(diagnostic: Diagnostic, expected: Expected) -> bool:
    origin = diagnostic.origin
    text = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return (
        origin is not None
        and Path(origin.file).name == expected.file
        and origin.line == expected.line
        and expected.message.lower() in text.lower()
    )


def test_the_corpus_covers_at_least_thirty_kinds_of_bad_input() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_reported_at_its_file_and_line(case: Path, tmp_path: Path) -> None:
    diagnostics = diagnose(arrange(case, tmp_path), case_env(case))
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    shown = "\n".join(f"  {d}  [{d.code}]" for d in diagnostics) or "  (none)"
    for expected in expectations(case):
        assert any(matches(d, expected) for d in errors), f"expected {expected}; got:\n{shown}"


def cli_main() -> Any:
    from declarate.cli import main

    return main


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_validate_exits_1_and_names_file_and_line_without_a_traceback(case: Path, tmp_path: Path) -> None:
    main = cli_main()
    root = arrange(case, tmp_path)
    unset = {name: None for name in os.environ if name.startswith("DECLARATE_CORPUS_")}
    result = CliRunner().invoke(main, ["validate", "-f", str(root)], env={**unset, **case_env(case)})
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 1, output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in output
    first = expectations(case)[0]
    assert f"{first.file}:{first.line}:" in output


def test_validate_in_a_real_process_prints_the_error_not_a_traceback(tmp_path: Path) -> None:
    cli_main()
    root = arrange(CORPUS / "013-unknown-key-did-you-mean", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DECLARATE_", "PINECONE_", "GITHUB_"))}
    run = subprocess.run(
        [sys.executable, "-m", "declarate.cli", "validate", "-f", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "project.yaml:5:5" in run.stdout + run.stderr
    assert "did you mean 'dimension'?" in run.stdout + run.stderr
