"""The layout is the architecture: import directions hold and modules stay small."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "declarate"


def test_import_contracts_hold() -> None:
    """import-linter's contracts in pyproject.toml: model is pure, the core never imports local."""
    result = subprocess.run(
        ["lint-imports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_a_grab_bag() -> None:
    """No utils/helpers/common/manager modules, and none over 450 lines."""
    for path in PACKAGE.rglob("*.py"):
        assert path.stem not in {"utils", "helpers", "common", "manager"}, path
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines: split it by responsibility"


def test_every_module_opens_with_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8").lstrip()
        if not text:
            continue
        assert text.startswith(('"""', "'''")), f"{path.relative_to(ROOT)} has no module docstring"
