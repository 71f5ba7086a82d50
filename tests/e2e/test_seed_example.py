"""The seed example end to end: `declarate apply` on the embedded target, then the seed's own
upsert and query through the official SDK, reading the keys apply wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import Cli

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"


def test_the_seed_upserts_into_apparel_and_queries_electronics_after_apply(embedded_cli: Cli) -> None:
    shutil.copytree(SEED, embedded_cli.cwd / "seed")
    applied = embedded_cli("apply", "-f", "seed", "--auto-approve")
    assert applied.code == 0, applied.output
    secrets = embedded_cli.cwd / ".declarate" / "secrets"
    assert (secrets / "project__apparel-team__api-key__recs-service.value").is_file()

    ran = subprocess.run(
        [sys.executable, "seed/seed.py"],
        cwd=embedded_cli.cwd,
        env=embedded_cli.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines() == [
        "apparel-recs: upserted 3 records",
        "apparel-recs: nearest to 'Waterproof rain jacket' is jacket-003",
        "electronics-recs: 0 matches",
        "electronics-recs: the apparel-team key is refused (403)",
    ]
    for secret in secrets.glob("*.value"):
        assert secret.read_text().strip() not in ran.stdout + ran.stderr
    # The records stay in the embedded target's data file: a second run finds them again.
    again = subprocess.run(
        [sys.executable, "seed/seed.py"], cwd=embedded_cli.cwd, env=embedded_cli.env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 0 and "nearest to 'Waterproof rain jacket' is jacket-003" in again.stdout
    assert embedded_cli("plan", "-f", "seed", "--detailed-exitcode").code == 0
