"""Specifications of `${VAR}` interpolation in config string values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from declarate.config.interpolate import expand, interpolate
from declarate.model.resource import Origin

HERE = Origin("project.yaml", 4, 11)


def test_a_variable_is_replaced_from_the_environment() -> None:
    assert expand("${TEAM}-recs", {"TEAM": "apparel"}).text == "apparel-recs"


def test_several_variables_in_one_string_are_all_replaced() -> None:
    assert expand("${A}/${B}/${A}", {"A": "x", "B": "y"}).text == "x/y/x"


def test_a_default_is_used_when_the_variable_is_unset_or_empty() -> None:
    assert expand("${REGION:-us-east-1}", {}).text == "us-east-1"
    assert expand("${REGION:-us-east-1}", {"REGION": ""}).text == "us-east-1"
    assert expand("${REGION:-us-east-1}", {"REGION": "eu-west-1"}).text == "eu-west-1"


def test_a_default_may_be_empty_or_contain_colons_and_dashes() -> None:
    assert expand("[${X:-}]", {}).text == "[]"
    assert expand("${URL:-http://host:80/a-b}", {}).text == "http://host:80/a-b"


def test_an_empty_variable_without_default_is_an_empty_string_not_an_error() -> None:
    expansion = expand("a${EMPTY}b", {"EMPTY": ""})
    assert (expansion.text, expansion.unset) == ("ab", ())


def test_double_dollar_brace_is_a_literal_dollar_brace() -> None:
    assert expand("$${HOME} costs $$5", {"HOME": "/root"}).text == "${HOME} costs $$5"


def test_dollar_without_braces_is_left_alone() -> None:
    assert expand("$HOME and $ and $5", {"HOME": "/root"}).text == "$HOME and $ and $5"


def test_an_unset_variable_is_a_diagnostic_at_the_string() -> None:
    text, diagnostics = interpolate("${TEAM}-recs", {}, HERE, "indexes[0].name")
    assert text == "${TEAM}-recs"  # left as written, so later messages show what the user wrote
    [diagnostic] = diagnostics
    assert diagnostic.code == "interpolate.unset"
    assert diagnostic.origin == HERE
    assert diagnostic.path == "indexes[0].name"
    assert "'TEAM' is not set" in diagnostic.message
    assert diagnostic.hint is not None and "${TEAM:-" in diagnostic.hint


def test_each_unset_variable_is_reported_once_per_string() -> None:
    assert expand("${A}${A}${B}", {}).unset == ("A", "B")


def test_a_malformed_reference_is_a_syntax_diagnostic() -> None:
    for text in ("${1BAD}", "${}", "${A-b}", "${A", "${A B}"):
        _, diagnostics = interpolate(text, {}, HERE, "description")
        assert [d.code for d in diagnostics] == ["interpolate.syntax"], text


def test_diagnostics_never_contain_the_value_of_a_variable() -> None:
    secret = "pcsk_super_secret_value"
    _, diagnostics = interpolate("${KEY} ${MISSING} ${1X}", {"KEY": secret}, HERE, "description")
    assert diagnostics
    assert all(secret not in f"{d.message} {d.hint}" for d in diagnostics)


@given(st.text())
def test_text_without_a_reference_is_unchanged(text: str) -> None:
    expansion = expand(text.replace("${", ""), {"A": "x"})
    assert expansion.text == text.replace("${", "")
    assert expansion.unset == expansion.malformed == ()


@given(st.text(alphabet="ab${}:-$"))
def test_escaping_every_dollar_brace_gives_back_the_text(text: str) -> None:
    assert expand(text.replace("${", "$${"), {}).text == text


@given(st.text(alphabet="AB_ab${}:-$ "), st.dictionaries(st.sampled_from(["A", "B", "_a"]), st.text()))
def test_expansion_never_raises_and_reports_only_referenced_names(text: str, env: dict[str, str]) -> None:
    expansion = expand(text, env)
    assert all(f"${{{name}" in text for name in expansion.unset)
    assert all(name not in env for name in expansion.unset)
