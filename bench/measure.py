"""Run one command in a child process and measure it: exit code, wall time and peak memory.

Peak memory is the child's own `ru_maxrss`, taken from `os.wait4` on that child alone, so earlier
children (servers, other runs) never inflate it. This module measures; it never judges a figure
against a target and never prints.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Variables that would point a declarate run somewhere else than the benchmark asks.
_FOREIGN_PREFIXES = ("PINECONE_", "DECLARATE_", "GITHUB_")


@dataclass(frozen=True)
class Measured:
    """What one child run did."""

    command: tuple[str, ...]
    code: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float  # the child's user + system CPU time: steadier than wall time on a shared machine
    stdout: str
    stderr: str

    def tail(self, lines: int = 15) -> str:
        """The last lines of the child's output, for an error message."""
        text = (self.stdout + "\n" + self.stderr).strip().splitlines()
        return "\n".join(text[-lines:])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without credentials or targets, plus `extra`, with colour off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 900.0,
) -> Measured:
    """Run `command` to completion; output goes to temp files so a large plan never blocks a pipe."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env or clean_env()),
            cwd=cwd,
        )
        status, usage = _wait(child, timeout_s)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Measured(
        command=tuple(command),
        code=os.waitstatus_to_exitcode(status),
        wall_s=wall,
        peak_rss_mb=usage.ru_maxrss / divisor,
        cpu_s=usage.ru_utime + usage.ru_stime,
        stdout=stdout,
        stderr=stderr,
    )


def _wait(child: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, resource.struct_rusage]:
    """Reap `child` with a blocking wait4 (its own rusage); a timer kills it past the deadline."""
    timer = threading.Timer(timeout_s, child.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        timer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from reaping it again
    if status != 0 and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        raise TimeoutError(f"{child.args!r} was killed (timeout {timeout_s:.0f} s?)")
    return status, usage


def compile_bytecode() -> None:
    """Compile declarate's modules to bytecode once, as `pip install` does for an installed package.

    An editable checkout run with PYTHONDONTWRITEBYTECODE set (as on CI machines and in some shells)
    would otherwise compile every module from source on every run: about 0.25 s of CPU per plan that
    no installed copy ever pays, and that would be measured as declarate's own time.
    """
    import compileall

    import declarate

    compileall.compile_dir(os.path.dirname(declarate.__file__), quiet=1)


def declarate_command(*args: str) -> list[str]:
    """`declarate ARGS...` run with this interpreter, so it uses the same installed package."""
    return [sys.executable, "-m", "declarate.cli", *args]
