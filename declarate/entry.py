"""The `declarate` console script: Ctrl-C while the command line is still loading ends like any other.

Importing the command line (click, rich, the command modules) takes about a tenth of a second, and a
Ctrl-C then would reach Python's own handler: a KeyboardInterrupt traceback and death by signal,
instead of "Interrupted." and exit 130, which `cli.run` gives once it runs. This module only imports
and calls it; it decides nothing else.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # as cli.EXIT_INTERRUPTED: the shell's convention for SIGINT


def main() -> None:
    try:
        from declarate.cli import run

        run()
    except KeyboardInterrupt:  # before cli.run's own handling is in place
        print("Interrupted.", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
