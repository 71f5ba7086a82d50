"""Benchmark of offline validation: 10,000 indexes over 100 projects, loaded and checked.

Writes a synthetic estate (bench/estate.py) to a temporary directory and prints the wall time and
peak memory of each config layer (load, schema check, and the whole pipeline `load_config` when it
exists), then the same for `declarate validate` in a child process. Targets (DESIGN §7): under 3 s
and 300 MB for the whole validate. This script prints figures; it never asserts them.

    python bench/validate.py [--projects 100] [--indexes 100] [--repeat 3] [--no-cli]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from estate import generate  # a sibling script, not an installed module

from declarate.config.loader import config_files, display_name, load_text, read_file
from declarate.config.schema import check_schema, config_schema


def measure(label: str, work: Callable[[], Any], repeat: int) -> Any:
    """Run `work` `repeat` times; print the best wall and CPU time and the Python heap peak of one run.

    CPU time is printed too because wall time on a shared machine says more about the neighbours.
    """
    result: Any = None
    times, cpu = [], []
    for _ in range(repeat):
        result = None  # free the previous result first, so peaks do not add up
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    gc.collect()
    tracemalloc.start()
    work()  # traced separately: tracing slows Python down several times
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  {label:<28} wall best {min(times):6.3f} s  median {sorted(times)[len(times) // 2]:6.3f} s"
          f"   cpu best {min(cpu):6.3f} s   heap peak {peak / 2**20:6.1f} MiB")  # fmt: skip
    return result


def run_cli(root: Path) -> None:
    """`declarate validate` in a child process: its wall time and its own peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DECLARATE_", "PINECONE_", "GITHUB_"))}
    command = [sys.executable, "-m", "declarate.cli", "validate", "-f", str(root)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    out = (child.stdout.read() if child.stdout else b"").decode().strip()
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"  {'declarate validate (child)':<28} wall {wall:6.3f} s   cpu {cpu:6.3f} s   "
          f"peak RSS {usage.ru_maxrss / 1024:6.1f} MiB   exit {code}: {out.splitlines()[-1] if out else ''}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--indexes", type=int, default=100, help="indexes per project")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip the child-process run of the cli")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="declarate-bench-validate-") as tmp:
        root = Path(tmp) / "config"
        generate(root, args.projects, args.indexes)
        files = sorted(root.rglob("*.yaml"))
        size = sum(f.stat().st_size for f in files)
        total = args.projects * args.indexes
        print(
            f"validate: {total:,} indexes in {args.projects} projects, {len(files)} files, {size / 2**20:.1f} MiB"
        )
        if not args.no_cli:
            # First, while this process is small: Linux counts a forked child's inherited pages in its
            # peak RSS, so a child started from a process that loaded 10,000 indexes would report ours.
            run_cli(root)
        config_schema()  # loading the schema file once is not part of each run

        def load() -> Any:
            """The reading layer alone: what load_config does before the schema (files, YAML, positions)."""
            documents: list[Any] = []
            problems: list[Any] = []
            files, listed = config_files([root])
            problems.extend(listed)
            for path, found_under in files:
                data = read_file(path, display_name(path))
                if isinstance(data, bytes):
                    file_documents, file_problems = load_text(
                        data, display_name(path), root=found_under, env={}
                    )
                    documents.extend(file_documents)
                    problems.extend(file_problems)
                else:
                    problems.append(data)
            return documents, problems

        documents, problems = measure("load (YAML + positions)", load, args.repeat)
        measure("schema check", lambda: check_schema(documents), args.repeat)
        found = check_schema(documents)
        print(f"  -> {len(documents)} documents, {len(problems)} load and {len(found)} schema diagnostics")
        measure("load + schema check", lambda: check_schema(load()[0]), args.repeat)
        if importlib.util.find_spec("declarate.config.pipeline") is not None:
            from declarate.config.pipeline import load_config

            config = measure("pipeline (load_config)", lambda: load_config([root], env={}), args.repeat)
            errors = sum(1 for d in config.diagnostics if d.severity == "error")
            print(f"  -> {len(config.desired)} desired resources, {errors} errors")
        else:
            print("  pipeline: declarate.config.pipeline does not exist yet")
        print("  targets: whole validate under 3 s and 300 MB")


if __name__ == "__main__":
    main()
