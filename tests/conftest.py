"""Suite-wide pytest set-up: how the tests are spread over pytest-xdist workers.

The README's test command runs in parallel (``-n auto`` in pyproject's addopts). Tests go to
whichever worker is free, one at a time, except the folders in ``ONE_WORKER``: each of those runs
whole on one worker, in collection order, because its tests share one session (the contract suite's
session server, which checks coverage of the served operations when the session ends). pytest-xdist's own
``--dist loadgroup`` would do this with markers, but it renames test ids, which pytest 9.2 no longer
allows. Under pytest-xdist the long folders start first (``LONG_FIRST``). This module only schedules,
compiles declarate's sources once before any test runs, and sets hypothesis's suite-wide profile;
it defines no fixtures.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ONE_WORKER = ("tests/contract/",)
WORKERS_PER_CORE = 2
# Under pytest-xdist, tests start in this order of folders (each in collection order), so the long
# ones (seconds each: killed and faulty applies, benchmarks, workflows) start first and the many
# short ones fill the end: no worker idles while another finishes a long test. The contract folder
# starts first anyway (pytest-xdist sends the unit with the most tests first).
LONG_FIRST = ("tests/reliability/", "tests/bench/", "tests/security/", "tests/e2e/", "tests/render/")


def _scope(nodeid: str) -> str:
    """The unit of work a test belongs to: its folder in ``ONE_WORKER``, else the test alone."""
    return next((folder for folder in ONE_WORKER if nodeid.startswith(folder)), nodeid)


class _Scheduler:
    """The pytest-xdist hook, registered only when pytest-xdist is installed and distributing."""

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        from xdist.scheduler import LoadScopeScheduling

        class OneWorkerFolders(LoadScopeScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                return _scope(nodeid)

        return OneWorkerFolders(config, log)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core for ``-n auto``. Much of an end-to-end test is waiting (for the CLI
    child, a served control plane, a retry's back-off), so one worker per core left the cores idle:
    on 2 cores the suite took 229 s with 2 workers and 131 s with 4, for the same CPU time."""
    return WORKERS_PER_CORE * max(os.cpu_count() or 1, 1)


def _compile_declarate() -> None:
    """Byte-compile the package once, so the many ``python -m declarate.cli`` children load it.

    Under ``PYTHONDONTWRITEBYTECODE`` (set on some CI machines and sandboxes) no interpreter writes
    ``__pycache__``, and each child recompiled every declarate module it imported: about a fifth of
    a CLI run's CPU, hundreds of times per suite. Reading ``.pyc`` files is still allowed, and an
    installed (non-editable) declarate has them anyway. Up-to-date files are skipped.
    """
    package = Path(__file__).resolve().parents[1] / "declarate"
    compileall.compile_dir(package, quiet=2)


# No per-example deadline: speed is measured by bench/, never asserted by a test. With hypothesis's
# default 200 ms deadline, property tests failed on a loaded 2-core machine (DeadlineExceeded on an
# example that passes alone), which says nothing about declarate.
settings.register_profile("declarate", deadline=None)
settings.load_profile("declarate")


def _start_rank(nodeid: str) -> int:
    return next(
        (rank for rank, folder in enumerate(LONG_FIRST) if nodeid.startswith(folder)), len(LONG_FIRST)
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the order tests are handed out in
        items.sort(key=lambda item: _start_rank(item.nodeid))


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist): once per session
        _compile_declarate()
    if config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") == "load":
        config.pluginmanager.register(_Scheduler(), "declarate-scheduler")
