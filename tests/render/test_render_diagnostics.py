"""Config problems read as `file:line:col: path: message (hint)`, and as GitHub annotations in CI."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from render_fixtures import full_plan, sample_diagnostics

from declarate.diagnostics import Diagnostic, Severity
from declarate.model.address import Address
from declarate.model.plan import Action, Block, Change, Plan
from declarate.model.resource import Origin
from declarate.render.diagnostics import render_diagnostics_text
from declarate.render.escape import printable
from declarate.render.github import diagnostic_annotations, escape_data, escape_property, plan_annotations


def test_errors_come_first_in_file_and_line_order_then_warnings() -> None:
    lines = render_diagnostics_text(sample_diagnostics(), color=False).splitlines()
    assert [line.split(": ")[0] for line in lines[:4]] == [
        "projects/a.yaml:12:9",
        "projects/b.yaml:9:7",
        "<config>",
        "projects/a.yaml:3:5",
    ]
    assert lines[3].endswith("[warning: rules.duplicate_tag]")


def test_each_line_reads_position_path_message_and_hint() -> None:
    text = render_diagnostics_text(sample_diagnostics(), color=False)
    assert (
        "projects/b.yaml:9:7: indexes[1].metric: expected one of cosine, euclidean, dotproduct, found 'cosin' "
        "(did you mean 'cosine'?)  [error: schema.enum]"
    ) in text.splitlines()


def test_the_last_line_counts_errors_warnings_and_files() -> None:
    assert render_diagnostics_text(sample_diagnostics(), color=False).splitlines()[-1] == (
        "3 errors, 1 warning in 2 files."
    )
    one = [Diagnostic(Origin("a.yaml", 1, 1), "kind", "unknown kind", "schema.kind")]
    assert render_diagnostics_text(one, color=False).splitlines()[-1] == "1 error, 0 warnings in 1 file."


def test_problems_of_the_whole_config_are_counted_without_a_file_count() -> None:
    # A note about files that were not read (README.md beside the YAML) is in no file: never "in 0 files".
    config_wide = [
        Diagnostic(None, "", "not read: README.md", "config.other_files", severity=Severity.WARNING)
    ]
    assert render_diagnostics_text(config_wide, color=False).splitlines()[-1] == "0 errors, 1 warning."


def test_diagnostics_are_plain_without_color_and_colored_with_it() -> None:
    assert "\x1b" not in render_diagnostics_text(sample_diagnostics(), color=False)
    assert "\x1b[31m" in render_diagnostics_text(sample_diagnostics(), color=True)


def test_annotations_point_at_the_file_line_and_column() -> None:
    lines = diagnostic_annotations(sample_diagnostics()).splitlines()
    assert lines[0] == (
        "::error file=projects/b.yaml,line=9,col=7,title=declarate::indexes[1].metric: expected one of cosine, "
        "euclidean, dotproduct, found 'cosin' (did you mean 'cosine'?)"
    )
    assert lines[1].startswith("::warning file=projects/a.yaml,line=3,col=5,title=declarate::")
    assert lines[3] == "::error title=declarate::the config root loads no documents"


def test_annotation_messages_escape_percent_and_show_control_characters_as_text() -> None:
    # A name holding CR LF must not start a line of its own, not even inside the annotation (DESIGN §9.2).
    d = Diagnostic(Origin("a.yaml", 2, 3), "", "100% wrong\r\nsecond line \x1b[2J", "x")
    assert diagnostic_annotations([d]) == (
        "::error file=a.yaml,line=2,col=3,title=declarate::100%25 wrong\\r\\nsecond line \\x1b[2J"
    )


def test_annotation_properties_also_escape_colons_and_commas() -> None:
    d = Diagnostic(Origin("dir,x/c:d%.yaml", 1, 1), "", "m", "x", severity=Severity.WARNING)
    assert (
        diagnostic_annotations([d]) == "::warning file=dir%2Cx/c%3Ad%25.yaml,line=1,col=1,title=declarate::m"
    )


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), text)


@given(st.text())
def test_escaping_is_lossless_and_leaves_no_line_breaks(text: str) -> None:
    for escaped in (escape_data(text), escape_property(text)):
        assert "\n" not in escaped and "\r" not in escaped and "\x1b" not in escaped
        assert _unescape(escaped) == printable(text)  # GitHub's escaping loses nothing of what is shown
    assert "," not in escape_property(text) and ":" not in escape_property(text)


def test_blocked_changes_become_errors_at_their_source_line() -> None:
    lines = plan_annotations(full_plan()).splitlines()
    assert lines[0].startswith(
        "::error file=projects/apparel-team.yaml,line=29,col=5,title=declarate%3A blocked (replace)::"
        "project/apparel-team/index/legacy-recs (replace) is blocked: "
    )
    assert "; override: set `allow_replace: true` on the index" in lines[0]
    # A live-only object has no source line: the annotation still appears, on the run.
    assert lines[1].startswith("::error title=declarate%3A blocked (deletion_protection)::")
    # Every rule blocking a change is its own annotation, so all are fixed in one round.
    assert lines[2].startswith("::error title=declarate%3A blocked (delete-all)::")
    assert len(lines) == 3


def test_an_allowed_replace_is_a_warning_and_a_clean_plan_has_no_annotations() -> None:
    replace = Change(
        Address.index("p", "i"), Action.REPLACE, source=Origin("p.yaml", 4, 5), reason="metric changed"
    )
    assert plan_annotations(Plan(changes=(replace,))) == (
        "::warning file=p.yaml,line=4,col=5,title=declarate%3A replace::"
        "project/p/index/i will be replaced (deleted, then created): metric changed"
    )
    blocked = Change(Address.index("p", "j"), Action.CREATE, blocks=(Block("policy", "no", "yes"),))
    assert plan_annotations(Plan(changes=(blocked,))).startswith("::error ")
    assert plan_annotations(Plan()) == ""
