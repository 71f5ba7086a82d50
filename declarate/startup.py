"""Process start-up and exit for the `declarate` command: lean imports, a collector tuned for a
batch run, and an exit that does not free memory object by object.

`cli.run` calls `prepare_process` once, before any command imports a dependency, and ends with
`exit_process`. They change no behaviour declarate uses, only time: a program that imports declarate
as a library is not affected. They must not disable anything a command calls.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import TypeVar

T = TypeVar("T")

# Young-generation collections per allocated container. Python's default (700) suits long-running
# programs; a plan builds hundreds of thousands of small acyclic dicts and tuples, which reference
# counting frees anyway, and collecting every 700 of them was a fifth of a 10,000-index config
# load. Cycles are still collected, just less often: peak memory measured unchanged (126 MB).
YOUNG_GENERATION_THRESHOLD = 100_000


_kept: list[object] | None = None  # a list once the process is known to end with exit_process


def prepare_process() -> None:
    """Skip the unused parts of dependencies and collect garbage less often (see the module docs)."""
    global _kept
    _kept = []
    skip_unused_parts()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def skip_unused_parts() -> None:
    """Let `import httpx` skip httpx's own command line: click, rich and pygments, ~0.08 s of CPU;
    and let httpcore skip HTTP/2 (h2, hpack, hyperframe), ~0.01 s on the way to the first request.

    httpx imports its optional command line in a `try/except ImportError` and otherwise defines a
    stand-in that prints an install hint; recording the module as absent takes that path. Only
    httpx's own console script runs it, and this process is `declarate`. httpcore imports its HTTP/2
    connection the same way, whenever h2 happens to be installed; declarate's transports never
    offer HTTP/2 (httpx's default, `http2=False`), so that connection is never made.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    if "httpcore" not in sys.modules:
        sys.modules.setdefault("h2", None)  # type: ignore[arg-type]


def keep_until_exit(value: T) -> T:
    """`value`, held until the process ends when it ends through `exit_process` (the `declarate`
    command): a command's config, live state and plan are then never freed object by object, which
    took a tenth of a second after a 5,000-index plan. A program that calls declarate in process
    (tests, a library user) holds nothing."""
    if _kept is not None:
        _kept.append(value)
    return value


def exit_process(code: int) -> None:
    """Python's own exit, without freeing every object one by one first: the OS takes the memory back.

    As at a normal exit, non-daemon threads are waited for, atexit handlers run (logging flushes its
    handlers) and the standard streams are flushed; only the teardown of modules and their objects
    (a plan's hundreds of thousands of dicts, about a tenth of a second) is skipped.
    """
    os._exit(finish_like_python(code))


def finish_like_python(code: int) -> int:
    """What Python does at exit that anyone can notice: wait for non-daemon threads, run the atexit
    handlers, flush the standard streams. The exit status to use: `code`, or 120 when a standard
    stream cannot be flushed, as Python exits then."""
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    return code
