"""Apply results: one row per change, where secrets were written, and a count line."""

from __future__ import annotations

from render_fixtures import full_plan, sample_results

from declarate.render.results import render_apply_results


def test_the_last_line_counts_each_outcome() -> None:
    text = render_apply_results(sample_results(), color=False)
    assert text.splitlines()[-1] == "Apply complete: 2 done, 1 already, 1 failed, 1 skipped."


def test_each_change_has_a_row_with_its_outcome_and_message() -> None:
    lines = render_apply_results(sample_results(), color=False).splitlines()
    assert lines[0].split() == ["ADDRESS", "OUTCOME", "MESSAGE"]
    row = next(line for line in lines if "recs-service" in line)
    assert row.split(maxsplit=2) == [
        "project/apparel-team/api-key/recs-service",
        "failed",
        "403 FORBIDDEN: the key lacks ProjectEditor",
    ]


def test_a_row_says_where_a_secret_was_written() -> None:
    text = render_apply_results(sample_results(), color=False)
    assert "secret written to .declarate/secrets/recs-ci" in text


def test_with_the_plan_each_row_names_its_action() -> None:
    lines = render_apply_results(sample_results(), color=False, plan=full_plan()).splitlines()
    assert lines[0].split() == ["ADDRESS", "ACTION", "OUTCOME", "MESSAGE"]
    assert next(line for line in lines if "legacy-recs" in line).split()[1:3] == ["replace", "skipped"]


def test_columns_line_up_with_and_without_color() -> None:
    plain = render_apply_results(sample_results(), color=False).splitlines()
    outcome_column = plain[0].index("OUTCOME")
    for line in plain[1:6]:
        assert line[outcome_column - 2 : outcome_column] == "  "
        assert line[outcome_column] != " "
    colored = render_apply_results(sample_results(), color=True)
    assert "\x1b[31mfailed" in colored
    assert "\x1b" not in "\n".join(plain)


def test_no_results_is_just_the_count() -> None:
    assert render_apply_results([], color=False) == "Apply complete: 0 done, 0 already, 0 failed, 0 skipped."


def test_an_interrupted_apply_lists_what_finished_and_counts_what_did_not() -> None:
    plan = full_plan()
    finished = sample_results()[:2]
    lines = render_apply_results(finished, color=False, plan=plan, interrupted=True).splitlines()
    assert [line.split()[0] for line in lines[1:3]] == [str(r.address) for r in finished]
    assert lines[-1] == (
        f"Apply interrupted: 2 done, 0 already, 0 failed, 0 skipped; {len(plan.changes) - 2} not finished."
        " Run plan to see what is left."
    )
    assert "Apply complete" not in "\n".join(lines)
