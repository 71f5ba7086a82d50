"""Every view of the hand-built plans, byte for byte: a change to any output shows up as a golden diff.

Regenerate with `UPDATE_GOLDEN=1 pytest tests/render` and review the diff of `tests/render/golden/`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from render_fixtures import (
    assert_golden,
    full_plan,
    sample_diagnostics,
    sample_results,
    secret_plan,
    unmanage_plan,
)

from declarate.model.plan import Plan
from declarate.render.diagnostics import render_diagnostics_text
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from declarate.render.github import diagnostic_annotations, plan_annotations
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.results import render_apply_results
from declarate.render.text import render_plan_text

CASES: dict[str, Callable[[], str]] = {
    "plan_full.txt": lambda: render_plan_text(full_plan(), color=False),
    "plan_full.ansi.txt": lambda: render_plan_text(full_plan(), color=True),
    "plan_full.json": lambda: render_plan_json(full_plan()),
    "plan_full.md": lambda: render_plan_markdown(full_plan()),
    "plan_secrets.txt": lambda: render_plan_text(secret_plan(), color=False),
    "plan_secrets.json": lambda: render_plan_json(secret_plan()),
    "plan_secrets.md": lambda: render_plan_markdown(secret_plan()),
    "plan_unmanage.txt": lambda: render_plan_text(unmanage_plan(), color=False),
    "plan_unmanage.json": lambda: render_plan_json(unmanage_plan()),
    "plan_unmanage.md": lambda: render_plan_markdown(unmanage_plan()),
    "drift_unmanage.txt": lambda: render_drift_text(unmanage_plan(), coverage=(2, 3)),
    "plan_empty.txt": lambda: render_plan_text(Plan(), color=False),
    "plan_empty.md": lambda: render_plan_markdown(Plan()),
    "plan_full.github.txt": lambda: plan_annotations(full_plan()),
    "drift_full.txt": lambda: render_drift_text(full_plan(), coverage=(12, 15)),
    "drift_full.json": lambda: render_drift_json(full_plan(), coverage=(12, 15)),
    "drift_full.md": lambda: render_drift_markdown(full_plan(), coverage=(12, 15)),
    "drift_none.txt": lambda: render_drift_text(Plan(), coverage=(7, 7)),
    "diagnostics.txt": lambda: render_diagnostics_text(sample_diagnostics(), color=False),
    "diagnostics.github.txt": lambda: diagnostic_annotations(sample_diagnostics()),
    "results.txt": lambda: render_apply_results(sample_results(), color=False, plan=full_plan()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_its_golden_file(name: str) -> None:
    assert_golden(name, CASES[name]())
