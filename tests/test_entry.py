"""The `declarate` console script: a Ctrl-C while the command line is still loading is no traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

# Runs the console script's entry point in a fresh process, and sends the process SIGINT as Python
# is about to import `module`: exactly the moment a user's Ctrl-C lands while declarate still loads.
INTERRUPTED_WHILE_IMPORTING = textwrap.dedent(
    """
    import os, signal, sys

    interrupted_at = sys.argv[1]

    class InterruptOnImport:
        def find_spec(self, name, path=None, target=None):
            if name == interrupted_at:
                os.kill(os.getpid(), signal.SIGINT)
            return None

    sys.meta_path.insert(0, InterruptOnImport())
    sys.argv[1:] = ["--version"]
    from declarate.entry import main
    main()
    """
)


def test_the_console_script_is_the_entry_module() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "declarate"]
    assert script.value == "declarate.entry:main"


def test_ctrl_c_while_the_command_line_loads_says_interrupted_and_exits_130() -> None:
    for module in ("click", "declarate.command_steps", "declarate.logs"):
        ended = subprocess.run(
            [sys.executable, "-c", INTERRUPTED_WHILE_IMPORTING, module],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (ended.returncode, ended.stderr) == (130, "Interrupted.\n"), module
        assert ended.stdout == "", module
