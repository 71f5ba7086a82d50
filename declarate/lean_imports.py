"""What the `declarate` process leaves out of its dependencies: parts it never runs, never imported.

`cli.run` calls `skip_unused_parts` once, before any command imports a dependency. It changes no
behaviour declarate uses, only start-up time, and a program that imports declarate as a library
is not affected. It must not disable anything a command calls.
"""

from __future__ import annotations

import sys


def skip_unused_parts() -> None:
    """Let `import httpx` skip httpx's own command line: click, rich and pygments, ~0.08 s of CPU.

    httpx imports its optional command line in a `try/except ImportError` and otherwise defines a
    stand-in that prints an install hint; recording the module as absent takes that path. Only
    httpx's own console script runs it, and this process is `declarate`.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
