"""Start-up time of `declarate --version` and `validate` of the quickstart (DESIGN §9.4: < 0.25 s).

Runs each command N times in a fresh interpreter (as a user's shell does) and prints the minimum and
the median wall time, beside `python -c pass` for the interpreter's own share; `--importtime` also
prints the slowest imports of each command (`python -X importtime`). Prints figures; judges nothing.

    python bench/startup.py [--runs 20] [--importtime]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "declarate --version": ["-m", "declarate.cli", "--version"],
    "declarate validate (quickstart)": [
        "-m",
        "declarate.cli",
        "validate",
        "-f",
        str(ROOT / "examples" / "quickstart"),
    ],
}


def wall_times(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return times


def slowest_imports(args: list[str], top: int = 8) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            rows.append((int(parts[1]), parts[2].strip()))  # top-level imports only, cumulative us
    return [f"{us / 1000:6.1f} ms  {name}" for us, name in sorted(rows, reverse=True)[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true", help="also list the slowest top-level imports")
    options = parser.parse_args()
    for name, args in COMMANDS.items():
        times = wall_times(args, options.runs)
        print(
            f"{name:34} min {min(times):.3f} s  median {statistics.median(times):.3f} s  ({options.runs} runs)"
        )
        if options.importtime and "declarate" in name:
            print("\n".join(f"    {row}" for row in slowest_imports(args)))


if __name__ == "__main__":
    main()
