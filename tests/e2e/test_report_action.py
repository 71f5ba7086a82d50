"""docs/cost-review.md's job: the repository's action runs `report`, writes the Markdown to a file
and to the step summary, as the runner would run it (`actions_runner.Runner`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.actions_runner import Runner


def test_the_action_writes_the_usage_report_to_its_output_and_the_step_summary(
    server: Any, tmp_path: Path
) -> None:
    runner = Runner(tmp_path / "checkout", server)
    runner.checkout()
    credentials = {
        "PINECONE_CLIENT_ID": server.client_id,
        "PINECONE_CLIENT_SECRET": server.client_secret,
        "DECLARATE_API_URL": server.url,
    }
    applied = runner.run_action(
        {"command": "apply", "config": "config", "args": "--auto-approve"}, credentials
    )
    assert applied.code == 0, applied.output

    done = runner.run_action(
        {"command": "report", "args": "--format markdown", "output": "usage.md"}, credentials
    )

    assert done.code == 0, done.output
    assert (done.outputs["exit_code"], done.outputs["has_changes"]) == ("0", "false")
    assert done.outputs["output_path"] == str(runner.workspace / "usage.md")
    usage = (runner.workspace / "usage.md").read_text(encoding="utf-8")
    assert usage.startswith("<!-- declarate-report -->") and "```mermaid" in usage
    assert "apparel-team" in usage and "electronics-team" in usage
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.count("<!-- declarate-report -->") == 1 and "```mermaid" in summary
