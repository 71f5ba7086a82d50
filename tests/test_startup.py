"""Start-up stays light (DESIGN §9.4: `--version` and `validate` within 0.25 s).

Timing is the figure in the README; what a test can hold without flaking is the cause: which heavy
modules a command imports. Each case runs the CLI's entry point in a fresh interpreter and lists the
modules loaded by the time it exits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
NEVER_AT_START = {"starlette", "uvicorn", "deepdiff", "numpy", "httpx", "rich", "declarate.local"}

# The report is an atexit handler: the entry point ends the process itself (startup.exit_process).
PROBE = """
import atexit, json, sys
from declarate.cli import run

def report():
    loaded = sorted(name for name, module in sys.modules.items() if module is not None)  # None: absent
    print(json.dumps({"modules": loaded}), file=sys.__stderr__)

sys.argv = ["declarate", *json.loads(sys.argv[1])]
atexit.register(report)
run()
"""


def loaded_by(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return {name.split(".")[0] if not name.startswith("declarate.") else name for name in report["modules"]}


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_loads_no_heavy_module(flag: str) -> None:
    loaded = loaded_by(flag)
    assert not loaded & (NEVER_AT_START | {"jsonschema", "yaml", "asyncio"}), sorted(loaded & NEVER_AT_START)


def test_validate_of_a_valid_config_loads_no_heavy_module() -> None:
    loaded = loaded_by("validate", "-f", str(QUICKSTART))
    assert "yaml" in loaded  # it did read the config
    assert not loaded & (NEVER_AT_START | {"jsonschema"}), sorted(loaded & NEVER_AT_START)


def test_local_serve_help_still_finds_the_lazy_local_group() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "declarate.cli", "local", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--data" in done.stdout and "--port" in done.stdout


def test_a_plan_loads_httpx_without_its_command_line(tmp_path: Path) -> None:
    # httpx's own CLI (click, rich, pygments) was a fifth of every plan's import time.
    loaded = loaded_by(
        "plan",
        "-f",
        str(QUICKSTART),
        "--target",
        "local",
        "--local-db",
        str(tmp_path / "local.db"),
        cwd=tmp_path,
    )
    assert "httpx" in loaded
    assert not loaded & {"pygments", "rich"}, sorted(loaded & {"pygments", "rich"})
