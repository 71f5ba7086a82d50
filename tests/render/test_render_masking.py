"""Secrets never reach output: a field named like a credential is `(sensitive)` in every format."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_fixtures import API_KEY_VALUE, CLIENT_SECRET, secret_plan

from declarate.model.address import Address
from declarate.model.kinds import SECRET_FIELD_NAMES
from declarate.model.plan import Action, Change, FieldDiff, Plan
from declarate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from declarate.render.github import plan_annotations
from declarate.render.json import render_plan_json
from declarate.render.markdown import render_plan_markdown
from declarate.render.masking import SENSITIVE, is_secret_path, mask_value
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
    assert SENSITIVE in output
    assert "client_secret" in output


secrets = st.text(st.sampled_from("ABCDEFGHJKMNPQRSTUVWXYZ23456789"), min_size=16, max_size=40).map(
    lambda s: "SECRET-" + s
)


@settings(max_examples=60, deadline=None)
@given(
    secret=secrets,
    name=st.sampled_from(sorted(SECRET_FIELD_NAMES)),
    prefix=st.sampled_from(["", "credentials.", "schema.fields.embed.read_parameters."]),
    action=st.sampled_from(Action),
)
def test_any_credential_named_field_is_masked_in_every_format(
    secret: str, name: str, prefix: str, action: Action
) -> None:
    plan = Plan(
        changes=(
            Change(
                Address.api_key("p", "k"),
                action,
                fields=(FieldDiff(prefix + name, secret, secret + "-new", "rotated"),),
                before={name: secret, "nested": [{name: secret}]},
                after={name: secret + "-new"},
            ),
        )
    )
    for fmt, render in RENDERERS.items():
        assert secret not in render(plan), fmt


def test_secret_paths_are_recognized_by_their_last_segment() -> None:
    assert is_secret_path("value")
    assert is_secret_path("credentials.client_secret")
    assert is_secret_path("keys[0].api_key")
    assert is_secret_path("value[3]")
    assert not is_secret_path("values")
    assert not is_secret_path("value.length")
    assert not is_secret_path("tags.team")


def test_an_absent_secret_stays_absent_so_a_first_set_is_visible() -> None:
    output = render_plan_text(
        Plan(
            changes=(
                Change(
                    Address.api_key("p", "k"),
                    Action.UPDATE,
                    fields=(FieldDiff("value", None, "s3cr3t!", "r"),),
                ),
            )
        ),
        color=False,
    )
    assert "value: (none) -> (sensitive)" in output
    assert "s3cr3t!" not in output


def test_nested_credential_keys_are_masked_at_any_depth() -> None:
    assert mask_value({"a": [{"b": {"secret": "x", "ok": 1}}], "access_token": "t"}) == {
        "a": [{"b": {"secret": SENSITIVE, "ok": 1}}],
        "access_token": SENSITIVE,
    }
