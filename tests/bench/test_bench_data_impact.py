"""The data-impact benchmark runs end to end: `python bench/data_impact.py --quick` exits 0 with its figures.

Request counts are exact, so they are checked: one describe_index_stats per destructive index change
or index rename, none for a plan without one, and every destroyed or renamed index shows all its records. Timings are reported by
the benchmark, never asserted by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_data_impact_benchmark_counts_one_read_per_destructive_change(tmp_path: Path) -> None:
    out = tmp_path / "data_impact_quick.json"
    done = subprocess.run(
        [sys.executable, "bench/data_impact.py", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = json.loads(out.read_text())["rows"]
    assert [row["destructive changes"] for row in rows] == [0, 1, 2, 5, 0, 1]
    assert [row["renames"] for row in rows] == [0, 0, 0, 0, 1, 2]
    for row in rows:
        assert row["stats requests"] == row["destructive changes"] + row["renames"], row
        assert row["impacts with every record"] == row["destructive changes"] + row["renames"], row
    assert "none otherwise: yes" in done.stdout
