"""Masking at the edge: known credential values never reach a view; names of fields decide nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_fixtures import API_KEY_VALUE, CLIENT_SECRET, secret_plan

from declarate import redaction
from declarate.model.address import Address
from declarate.model.plan import Action, Change, FieldDiff, Plan
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from declarate.render.github import plan_annotations
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.masking import mask_plan_json, mask_value
from declarate.render.text import render_plan_text

RENDERERS: dict[str, Callable[[Plan], str]] = {
    "text": lambda p: render_plan_text(p, color=False),
    "text-color": lambda p: render_plan_text(p, color=True),
    "json": render_plan_json,
    "markdown": render_plan_markdown,
    "drift-text": lambda p: render_drift_text(p, coverage=(1, 2)),
    "drift-json": lambda p: render_drift_json(p, coverage=(1, 2)),
    "drift-markdown": lambda p: render_drift_markdown(p, coverage=(1, 2)),
    "github": plan_annotations,
}


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    redaction.forget_all()
    yield
    redaction.forget_all()


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_key_values_and_client_secrets_never_appear(fmt: str) -> None:
    output = RENDERERS[fmt](secret_plan())
    assert API_KEY_VALUE not in output
    assert CLIENT_SECRET not in output
    # Not even a fragment long enough to be useful.
    assert "THIS_IS_A" not in output


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "drift-text", "drift-json", "drift-markdown"])
def test_masked_fields_still_show_that_they_changed(fmt: str) -> None:
    output = RENDERERS[fmt](secret_plan())
    assert redaction.REDACTED in output
    assert "client_secret" in output


secrets = st.text(st.sampled_from("ABCDEFGHJKMNPQRSTUVWXYZ23456789"), min_size=16, max_size=40).map(
    lambda s: "SECRET-" + s
)


@settings(max_examples=60, deadline=None)
@given(
    secret=secrets,
    name=st.sampled_from(["value", "client_secret", "secret", "api_key", "note", "tags.owner"]),
    prefix=st.sampled_from(["", "credentials.", "schema.fields.embed.read_parameters."]),
    action=st.sampled_from(Action),
)
def test_a_known_credential_is_masked_in_every_format_whatever_its_field_is_named(
    secret: str, name: str, prefix: str, action: Action
) -> None:
    redaction.register(secret)
    plan = Plan(
        changes=(
            Change(
                Address.api_key("p", "k"),
                action,
                fields=(FieldDiff(prefix + name, secret, "prefix " + secret + "-new", "rotated"),),
                before={name: secret, "nested": [{name: secret}]},
                after={name: secret + "-new"},
            ),
        )
    )
    for fmt, render in RENDERERS.items():
        assert secret not in render(plan), fmt


def test_a_tag_or_schema_field_named_secret_is_shown_and_kept_as_is() -> None:
    plan = Plan(
        changes=(
            Change(
                Address.index("p", "docs"),
                Action.UPDATE,
                fields=(FieldDiff("tags.secret", "y", "z", "tags can be changed in place"),),
                before={"tags": {"secret": "y"}},
                after={"tags": {"secret": "z"}, "schema": {"fields": {"secret": {"type": "string"}}}},
            ),
        )
    )
    assert 'tags.secret: "y" -> "z"' in render_plan_text(plan, color=False)
    assert mask_plan_json(plan.to_json()) == plan.to_json()  # the plan file holds the real values


def test_nested_known_values_are_masked_at_any_depth_and_nothing_else() -> None:
    redaction.register("tok-0123456789")
    assert mask_value({"a": [{"b": {"secret": "x", "ok": 1}}], "access_token": "Bearer tok-0123456789"}) == {
        "a": [{"b": {"secret": "x", "ok": 1}}],
        "access_token": f"Bearer {redaction.REDACTED}",
    }
