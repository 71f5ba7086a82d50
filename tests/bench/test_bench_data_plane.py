"""The data-plane benchmark runs end to end: `python bench/data_plane.py --quick` exits 0 with its figures.

Figures are checked for presence and sense only (every record counted, a finite latency): timings are
reported by the benchmark, never asserted by a test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_data_plane_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "data_plane_quick.json"
    done = subprocess.run(
        [sys.executable, "bench/data_plane.py", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = {row["figure"]: row for row in json.loads(out.read_text())["figures"]}
    assert figures["records counted"]["value"] == 1000
    for name in ("upsert s", "query median ms", "peak / raw"):
        assert math.isfinite(figures[name]["value"]) and figures[name]["value"] > 0
        assert figures[name]["met"] in (True, False)
        assert name in done.stdout
    assert figures["upsert cpu s"]["value"] > 0 and "upsert cpu s" in done.stdout  # CPU beside wall time
