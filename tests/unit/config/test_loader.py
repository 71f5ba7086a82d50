"""Specifications of the YAML loader: files in, documents with positions and every problem out."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.config.compose import MAX_ALIAS_NODES, MAX_DEPTH
from declarate.config.document import SourceDocument
from declarate.config.loader import MAX_FILE_BYTES, load_text, read_file
from declarate.config.pipeline import load_config
from declarate.config.schema import check_schema
from declarate.diagnostics import Diagnostic, Severity

PROJECT = """\
kind: Project
name: apparel-team
indexes:
  - name: apparel-recs
    dimension: 1536
    spec:
      serverless: {cloud: aws, region: us-east-1}
    tags: {team: apparel}
"""


def load(
    text: str | bytes, env: dict[str, str] | None = None
) -> tuple[list[SourceDocument], list[Diagnostic]]:
    return load_text(text, "project.yaml", env=env or {})


def read(roots: list[Path]) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """The documents under `roots` and the problems met reading them, as every command reads them."""
    config = load_config(roots, env={}, every=True)
    reading = [d for d in config.diagnostics if d.code.partition(".")[0] in ("config", "yaml", "interpolate")]
    return config.documents, reading


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def at(doc: SourceDocument, *path: str | int) -> tuple[int, int]:
    origin = doc.positions[path]
    return origin.line, origin.column


def key_at(doc: SourceDocument, *path: str | int) -> tuple[int, int]:
    origin = doc.key_positions[path]
    return origin.line, origin.column


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


# --- positions -------------------------------------------------------------------------------------


def test_positions_of_nested_values_and_keys_are_1_based_line_and_column() -> None:
    [doc], problems = load(PROJECT)
    assert problems == []
    assert at(doc) == (1, 1)
    assert at(doc, "indexes", 0) == (4, 5)
    assert at(doc, "indexes", 0, "dimension") == (5, 16)
    assert key_at(doc, "indexes", 0, "dimension") == (5, 5)
    assert at(doc, "indexes", 0, "spec", "serverless", "region") == (7, 40)
    assert key_at(doc, "indexes", 0, "tags", "team") == (8, 12)
    assert str(doc.origin(("indexes", 0, "dimension"))) == "project.yaml:5:16"


def test_every_value_and_every_key_has_a_position() -> None:
    [doc], _ = load(PROJECT)

    def paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
        children: list[tuple[str | int, ...]] = [path]
        items = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        )
        for key, child in items:
            children += paths(child, (*path, key))
        return children

    every = paths(doc.data)
    assert set(doc.positions) == set(every)
    assert set(doc.key_positions) == {p for p in every if p and isinstance(p[-1], str)}


def test_an_origin_falls_back_to_the_nearest_declared_ancestor() -> None:
    [doc], _ = load(PROJECT)
    assert doc.origin(("indexes", 0, "not-there")) == doc.positions[("indexes", 0)]


def test_a_multi_document_file_keeps_each_documents_index_and_skips_empty_ones() -> None:
    text = "kind: Project\nname: a\n---\n# nothing here\n---\nkind: Project\nname: b\n---\n"
    docs, problems = load(text)
    assert problems == []
    assert [(d.index, d.data["name"]) for d in docs] == [(0, "a"), (2, "b")]
    assert at(docs[1], "name") == (7, 7)


def test_a_file_of_comments_only_has_no_documents_and_no_problems() -> None:
    assert load("# only a comment\n") == ([], [])


# --- files and roots -------------------------------------------------------------------------------


def test_files_are_read_in_sorted_path_order_recursively(tmp_path: Path) -> None:
    write(tmp_path, {f"{name}": f"kind: Project\nname: {name.replace('/', '-').split('.')[0]}\n"
                     for name in ("b.yaml", "a/z.yml", "a.yaml", "a/b/c.yaml", "c.txt")})  # fmt: skip
    docs, problems = read([tmp_path])
    assert [p.code for p in problems] == ["config.other_files"]  # c.txt is listed, not read
    assert [Path(d.file).relative_to(tmp_path).as_posix() for d in docs] == [
        "a/b/c.yaml",
        "a/z.yml",
        "a.yaml",
        "b.yaml",
    ]


def test_hidden_folders_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, {
        "project.yaml": "kind: Project\nname: a\n",
        ".git/config.yaml": "broken: [",
        ".declarate/state.yaml": "broken: [",
        "team/.#project.yaml": "broken: [",
    })  # fmt: skip
    docs, problems = read([tmp_path])
    assert problems == []
    assert [d.data["name"] for d in docs] == ["a"]


def test_a_root_may_be_a_single_file_and_overlapping_roots_load_a_file_once(tmp_path: Path) -> None:
    write(tmp_path, {"p.yaml": "kind: Project\nname: a\n", "q.yaml": "kind: Project\nname: b\n"})
    docs, problems = read([tmp_path / "q.yaml", tmp_path])
    assert problems == []
    assert [d.data["name"] for d in docs] == ["b", "a"]
    assert docs[0].root == str(tmp_path / "q.yaml")


def test_a_missing_root_is_an_error_and_an_empty_root_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    docs, problems = read([tmp_path / "nope", tmp_path / "empty"])
    assert docs == []
    assert [(d.code, d.severity) for d in problems] == [
        ("config.not_found", Severity.ERROR),
        ("config.empty_root", Severity.WARNING),
    ]
    assert "nope" in problems[0].message


def test_file_names_are_shown_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"projects/apparel.yaml": "kind: Project\nname: a\n"})
    monkeypatch.chdir(tmp_path)
    [doc], _ = read([tmp_path])
    assert doc.file == "projects/apparel.yaml"
    assert str(doc.origin(("name",))) == "projects/apparel.yaml:2:7"


def test_every_problem_of_every_file_is_reported_in_one_run(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.yaml": "kind: Project\nname: a\nname: b\nmax_pods: 1\nmax_pods: 2\n",
        "b.yaml": "kind: [\n",
        "c.yaml": b"name: caf\xe9\n",
        "d.yaml": "kind: Project\nname: ${NOPE}\n",
    })  # fmt: skip
    _, problems = read([tmp_path])
    assert [(Path(d.origin.file).name if d.origin else None, d.code) for d in problems] == [
        ("a.yaml", "yaml.duplicate_key"),
        ("a.yaml", "yaml.duplicate_key"),
        ("b.yaml", "yaml.syntax"),
        ("c.yaml", "yaml.encoding"),
        ("d.yaml", "interpolate.unset"),
    ]


# --- keys ------------------------------------------------------------------------------------------


def test_a_duplicate_key_is_an_error_naming_both_lines_and_the_first_value_is_kept() -> None:
    [doc], problems = load(
        "kind: Project\nname: a\nindexes:\n  - name: x\n    dimension: 8\n    dimension: 9\n"
    )
    [problem] = problems
    assert problem.code == "yaml.duplicate_key"
    assert "first at line 5, again at line 6" in problem.message
    assert (problem.origin and problem.origin.line, problem.path) == (6, "indexes[0].dimension")
    assert doc.data["indexes"][0]["dimension"] == 8


@pytest.mark.parametrize(
    ("key", "read_as"),
    [
        ("on", "a boolean (true)"),
        ("No", "a boolean (false)"),
        ("1", "a number (1)"),
        ("0.5", "a number (0.5)"),
    ],
)
def test_a_key_yaml_reads_as_a_boolean_or_number_is_an_error_with_a_quoting_hint(
    key: str, read_as: str
) -> None:
    [doc], problems = load(f"kind: Project\ntags:\n  {key}: x\n")
    [problem] = problems
    assert problem.code == "yaml.key_type"
    assert f"the key '{key}' is read by YAML as {read_as}" in problem.message
    assert problem.hint == f"quote it: '{key}':"
    assert doc.data["tags"] == {key: "x"}  # kept as text, so the rest is still checked


def test_null_and_collection_keys_are_errors() -> None:
    _, problems = load("~: a\n? [x, y]\n: b\n")
    assert codes(problems) == ["yaml.key_type", "yaml.key_type"]
    assert "null" in problems[0].message and "found a list" in problems[1].message


def test_quoted_keys_and_date_like_keys_are_text() -> None:
    [doc], problems = load("'on': 1\n'1': 2\n2024-01-01: 3\n")
    assert problems == []
    assert doc.data == {"on": 1, "1": 2, "2024-01-01": 3}


# --- values ----------------------------------------------------------------------------------------


def test_values_keep_yaml_1_1_meaning_except_dates_which_stay_text() -> None:
    [doc], problems = load("a: on\nb: 'on'\nc: 0x1F\nd: 1.5e+3\ne: ~\nf: 2024-01-02\ng: 012\n")
    assert problems == []
    assert doc.data == {"a": True, "b": "on", "c": 31, "d": 1500.0, "e": None, "f": "2024-01-02", "g": 10}


def test_ordinary_yaml_loads_exactly_as_pyyaml_safe_load_does() -> None:
    text = """\
a: [1, -2, 3.5, .inf, true, null, 'x', "y\\n", plain text]
b: {c: {d: [e, {f: g}]}, h: ''}
multi: |
  line one
  line two
folded: >
  one
  two
anchors: &base {x: 1, y: [1, 2]}
copy: *base
merged:
  <<: *base
  y: 3
"""
    [doc], problems = load(text)
    assert problems == []
    assert doc.data == yaml.safe_load(text)


def test_merge_keys_take_the_first_source_and_explicit_keys_win() -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 0\n"
    [doc], problems = load(text)
    assert problems == []
    assert doc.data["c"] == {"x": 0, "y": 1, "z": 2} == yaml.safe_load(text)["c"]
    assert at(doc, "c", "x") == (5, 6)
    assert at(doc, "c", "z") == (2, 17)  # merged values point where they were written


def test_aliased_values_are_independent_copies_positioned_at_the_alias() -> None:
    [doc], _ = load("defaults: &d {tags: {team: a}}\nindex: *d\n")
    assert doc.data["index"] == doc.data["defaults"]
    assert doc.data["index"]["tags"] is not doc.data["defaults"]["tags"]
    assert at(doc, "index") == (2, 8)
    assert at(doc, "index", "tags", "team") == (1, 28)


def test_unsupported_tags_are_errors() -> None:
    _, problems = load("a: !!python/object/apply:os.system [ls]\nb: !Ref x\nc: !!binary aGk=\nd: !!set {x}\n")
    assert codes(problems) == ["yaml.tag"] * 4


def test_an_explicit_tag_that_does_not_fit_the_value_is_an_error() -> None:
    [doc], problems = load("a: !!int abc\nb: !!str 12\n")
    assert codes(problems) == ["yaml.tag"]
    assert doc.data["b"] == "12"


# --- interpolation ---------------------------------------------------------------------------------


def test_env_references_are_expanded_in_values_but_never_in_keys() -> None:
    [doc], problems = load(
        "${KEY}: ${VALUE}\nname: ${TEAM}-recs\n", env={"KEY": "k", "VALUE": "v", "TEAM": "a"}
    )
    assert problems == []
    assert doc.data == {"${KEY}": "v", "name": "a-recs"}


def test_an_expanded_plain_scalar_is_read_as_yaml_would_read_it_but_a_quoted_one_stays_text() -> None:
    [doc], _ = load(
        "dimension: ${DIM}\nquoted: '${DIM}'\nflag: ${FLAG}\n", env={"DIM": "1536", "FLAG": "true"}
    )
    assert doc.data == {"dimension": 1536, "quoted": "1536", "flag": True}


def test_an_unset_variable_is_an_error_at_the_string() -> None:
    _, problems = load("kind: Project\nname: ${TEAM}\n")
    [problem] = problems
    assert (problem.code, problem.path, str(problem.origin)) == (
        "interpolate.unset",
        "name",
        "project.yaml:2:7",
    )


# --- limits and broken input -----------------------------------------------------------------------


def billion_laughs(levels: int = 10) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_before_it_expands() -> None:
    docs, problems = load(billion_laughs())
    assert docs == []
    [problem] = problems
    assert problem.code == "yaml.alias_bomb"
    assert "billion laughs" in problem.message
    assert problem.origin is not None and problem.origin.line <= 7


def test_aliases_within_the_budget_are_fine() -> None:
    text = "base: &b {x: 1}\nitems:\n" + "".join("  - *b\n" for _ in range(MAX_ALIAS_NODES // 4))
    [doc], problems = load(text)
    assert problems == []
    assert len(doc.data["items"]) == MAX_ALIAS_NODES // 4


def test_a_recursive_alias_is_an_error() -> None:
    _, problems = load("a: &a [*a]\n")
    assert codes(problems) == ["yaml.alias"]
    assert "refers to the node that contains it" in problems[0].message


# Both parsers PyYAML may use: libyaml (>= 0.2.6 refuses 1,000 levels itself, and reads ahead) and the
# pure-Python one, used where the C bindings are missing. The depth refusal must be the same with each.
PARSERS = [pytest.param(yaml.SafeLoader, id="python")]
if getattr(yaml, "CSafeLoader", None) is not None:
    PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("declarate.config.loader._Parser", request.param)
    return request.param


def too_deep_at(problems: list[Diagnostic]) -> tuple[str, int]:
    """The file and line of the one `yaml.too_deep` error, the only problem reported."""
    assert codes(problems) == ["yaml.too_deep"]
    assert problems[0].severity is Severity.ERROR
    assert problems[0].message == f"nesting is deeper than {MAX_DEPTH} levels"
    return problems[0].origin.file, problems[0].origin.line


def test_nesting_is_allowed_to_64_levels_and_refused_beyond(parser: Any) -> None:
    assert load("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")[1] == []
    _, problems = load("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert too_deep_at(problems) == ("project.yaml", 1)


@pytest.mark.parametrize(
    "deep",
    [
        "[" * 1_000_000,  # past libyaml's own limit of 1,000 within its read-ahead
        "[" * 1001,
        "{a: " * 5000,
        "{a: [" * 600,
        "- " * 5000 + "x",
        "? " * 5000 + "x",  # complex keys are nesting too
        "{<<: " * 5000 + "{}",  # and merges into merges
        "{<<: [" * 5000,
        "".join(" " * i + "a:\n" for i in range(200)),
    ],
    ids=[
        "flow-1M",
        "flow-1001",
        "flow-maps",
        "mixed",
        "block-entries",
        "keys",
        "merges",
        "merge-lists",
        "block",
    ],
)
def test_very_deep_nesting_fails_fast_instead_of_exhausting_the_parser(parser: Any, deep: str) -> None:
    text = "kind: Project\nname: x\n---\n" + deep  # in a later document, on line 4 (block: 4 + 64)
    docs, problems = load(text)
    file, line = too_deep_at(problems)
    assert file == "project.yaml" and line == (4 + MAX_DEPTH if deep.startswith("a:") else 4)
    assert [d.data for d in docs] == [{"kind": "Project", "name": "x"}]  # what came before still loads


def test_very_deep_nesting_in_a_file_names_the_file_and_line(parser: Any, tmp_path: Path) -> None:
    root = write(tmp_path, {"ok.yaml": "kind: Project\nname: x\n", "deep.yaml": "a: 1\nb: " + "[" * 3000})
    _, problems = read([root])
    assert too_deep_at(problems) == (str(root / "deep.yaml"), 2)


def test_deep_nesting_through_an_alias_is_refused(parser: Any) -> None:
    deep = "[" * 40 + "]" * 40
    _, problems = load(f"a: &a {deep}\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n")
    assert too_deep_at(problems) == ("project.yaml", 2)


def test_a_file_over_10_mib_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"kind: Project\ndescription: |\n" + b"  filler\n" * (MAX_FILE_BYTES // 9 + 1))
    docs, problems = read([huge])
    assert docs == []
    assert codes(problems) == ["yaml.too_large"]
    assert "the limit is 10 MiB" in problems[0].message


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    [doc], problems = load(codecs.BOM_UTF8 + b"kind: Project\n")
    assert problems == [] and doc.data == {"kind": "Project"}
    assert at(doc, "kind") == (1, 7)


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")]
)
def test_utf16_and_utf32_files_are_refused(encoding: str, name: str) -> None:
    data = "kind: Project\n".encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    _, problems = load(data)
    assert codes(problems) == ["yaml.encoding"]
    assert name in problems[0].message or "NUL" in problems[0].message


def test_bytes_that_are_not_utf8_are_refused_with_their_position() -> None:
    _, problems = load("kind: Project\nname: café\n".encode("latin-1"))
    [problem] = problems
    assert problem.code == "yaml.encoding"
    assert str(problem.origin) == "project.yaml:2:10"
    assert "byte 0xe9" in problem.message


def test_tab_indentation_gets_its_own_clear_error() -> None:
    _, problems = load("kind: Project\nindexes:\n\t- name: x\n")
    [problem] = problems
    assert (problem.code, str(problem.origin)) == ("yaml.tab", "project.yaml:3:1")
    assert "spaces" in problem.message


def test_a_syntax_error_names_the_line_and_column_from_the_parser() -> None:
    _, problems = load("kind: Project\nname: a: b\n")
    [problem] = problems
    assert (problem.code, str(problem.origin)) == ("yaml.syntax", "project.yaml:2:8")
    assert problem.hint is not None


def test_documents_completed_before_a_syntax_error_are_still_returned() -> None:
    docs, problems = load("kind: Project\nname: a\n---\nkind: [\n")
    assert [d.data["name"] for d in docs] == ["a"]
    assert codes(problems) == ["yaml.syntax"]


@pytest.mark.parametrize("text", ["a: 1\x00\n", "a: \x07\n", "a: \x1b[31m\n"])
def test_nul_and_control_characters_are_errors(text: str) -> None:
    _, problems = load(text.encode())
    assert len(problems) == 1 and problems[0].severity is Severity.ERROR


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    # Permissions cannot deny root (CI runs as root), but no one can read a directory as a file:
    # the same OSError path, for every user.
    path = tmp_path / "p.yaml"
    path.mkdir()
    problem = read_file(path, "p.yaml")
    assert isinstance(problem, Diagnostic)
    assert problem.code == "config.unreadable"
    assert "cannot read the file" in problem.message


# --- robustness ------------------------------------------------------------------------------------

yaml_fragments = st.sampled_from(
    [
        "kind: ",
        "Project",
        "name: ",
        "- ",
        "  ",
        "\n",
        ": ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "&a ",
        "*a",
        "<<: ",
        "!!int ",
        "!x ",
        "'",
        '"',
        "#",
        "---\n",
        "${X}",
        "${",
        "\t",
        "? ",
        "|\n",
        ">\n",
        "on",
        "~",
        "1",
        "é",
        "\x07",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(yaml_fragments | st.text(max_size=5), max_size=40).map("".join))
def test_any_text_gives_documents_and_diagnostics_never_an_exception(text: str) -> None:
    docs, problems = load(text, env={"X": "1"})
    assert all(isinstance(d, SourceDocument) for d in docs)
    assert all(p.origin is not None for p in problems)
    check_schema(docs)


# `${` is interpolated; lone surrogates (category Cs) cannot be written to a UTF-8 file at all.
no_references = st.text(st.characters(exclude_characters="$", exclude_categories=("Cs",)), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | no_references,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["kind", "name", "indexes", "tags", "x"]), json_values, max_size=5))
def test_dumped_documents_load_back_equal_and_never_break_the_schema_check(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    docs, problems = load(text)
    assert problems == []
    assert [d.data for d in docs] == [yaml.load(text, Loader=yaml.CSafeLoader)]  # the same parser
    assert all(d.origin is not None for d in check_schema(docs))
