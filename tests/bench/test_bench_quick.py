"""The benchmark harness runs end to end: `python bench/run.py --quick` exits 0 and saves its figures.

It serves a real local control plane and drives the real CLI in child processes. Figures are checked
for presence and type only: timings are reported by the benchmark, never asserted by a test.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = ("plan", "apply", "validate", "baseline")


def _require_modules(*names: str) -> None:
    """Fail (never skip) when a dependency of the benchmark is missing, saying which."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    assert not missing, f"the benchmark needs {', '.join(missing)}: pip install -e '.[dev]'"


def test_quick_benchmark_runs_every_scenario_and_saves_numeric_figures(tmp_path: Path) -> None:
    _require_modules("pinecone", "httpx", "yaml", "declarate.local", "declarate.cli")
    out = tmp_path / "quick.json"

    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--out", str(out), "--work", str(tmp_path / "work")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )

    assert done.returncode == 0, f"bench/run.py --quick failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    results = json.loads(out.read_text())
    assert results["quick"] is True
    assert set(results["scenarios"]) == set(SCENARIOS)
    for scenario, figures in results["scenarios"].items():
        assert figures, f"{scenario} reported no figures"
        for figure in figures:
            assert isinstance(figure["value"], int | float), figure
            assert math.isfinite(figure["value"]), figure
            assert figure["met"] in (True, False, None), figure
    # The table a user reads names every scenario.
    for scenario in SCENARIOS:
        assert scenario in done.stdout


def test_quick_benchmark_never_prints_the_server_secret(tmp_path: Path) -> None:
    """The served control plane's client secret stays out of the benchmark's output and figures."""
    _require_modules("declarate.local")
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from server import served
    finally:
        sys.path.remove(str(REPO / "bench"))

    with served() as plane:
        secret = plane.client_secret
        assert secret
        assert secret not in repr(plane)
        assert secret not in plane.log_tail(1000)
