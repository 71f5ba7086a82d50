"""The JSON plan is the public contract: it matches schemas/plan.schema.json and reads back unchanged."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from render_fixtures import full_plan, large_plan, secret_plan
from strategies import plans

from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan, Unmanaged
from declarate.render.json import render_plan_json

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "plan.schema.json"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def test_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_packaged_schema_is_identical_to_the_published_one() -> None:
    packaged = resources.files("declarate").joinpath("schemas/plan.schema.json").read_bytes()
    assert packaged == SCHEMA_PATH.read_bytes()


@pytest.mark.parametrize(
    "plan",
    [full_plan(), secret_plan(), large_plan(3, 4), Plan()],
    ids=["every-feature", "secrets-masked", "many-creates", "empty"],
)
def test_json_plan_validates_against_the_published_schema(plan: Plan) -> None:
    errors = [e.message for e in validator().iter_errors(json.loads(render_plan_json(plan)))]
    assert errors == []


def test_json_plan_reads_back_as_the_same_plan() -> None:
    plan = full_plan()
    assert Plan.from_json(json.loads(render_plan_json(plan))) == plan


@settings(max_examples=150, deadline=None)
@given(plans)
def test_any_plan_round_trips_and_validates(plan: Plan) -> None:
    data = json.loads(render_plan_json(plan))
    assert list(validator().iter_errors(data)) == []
    assert Plan.from_json(data) == plan


def test_json_plan_says_what_to_json_says_in_the_same_order() -> None:
    plan = full_plan()
    data = json.loads(render_plan_json(plan))
    assert data == plan.to_json()
    assert list(data) == [
        "format_version",
        "has_changes",
        "blocked",
        "summary",
        "left_out",
        "changes",
        "unmanaged",
        "notes",
        "fingerprints",
        "config_digest",
        "target",
        "environment",
        "api_key_env",
    ]


def test_summary_counts_every_action_blocked_and_unmanaged() -> None:
    data = json.loads(render_plan_json(full_plan()))
    assert data["summary"] == {
        "create": 3,
        "update": 2,
        "adopt": 1,
        "replace": 1,
        "delete": 2,
        "rename": 0,
        "unmanage": 0,
        "blocked": 2,
        "unmanaged": 2,
    }
    assert data["format_version"] == "2"
    assert data["has_changes"] is True
    assert data["blocked"] is True


def test_unmanaged_objects_alone_are_not_changes() -> None:
    plan = Plan(unmanaged=(Unmanaged(Address.project_("sandbox"), "no document declares it"),))
    data = json.loads(render_plan_json(plan))
    assert data["has_changes"] is False
    assert data["unmanaged"] == [
        {"address": "project/sandbox", "kind": "project", "reason": "no document declares it"}
    ]


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d["changes"][0].update(surprise=1),
        lambda d: d.update(surprise=1),
        lambda d: d["summary"].pop("adopt"),
        lambda d: d.update(format_version="1"),
        lambda d: d["changes"][0].update(action="unmanaged"),
        lambda d: d["changes"][0]["fields"][0].pop("reason"),
        lambda d: d["changes"][0].update(source={"file": "a.yaml", "line": 0, "column": 1}),
        lambda d: d["changes"][5].update(blocks=[{"rule": "replace"}]),
    ],
    ids=[
        "unknown-change-key",
        "unknown-top-key",
        "missing-count",
        "other-version",
        "unmanaged-is-not-an-action",
        "field-without-reason",
        "line-zero",
        "block-without-override",
    ],
)
def test_schema_rejects_what_to_json_never_emits(corrupt: Any) -> None:
    data = json.loads(render_plan_json(full_plan()))
    corrupt(data)
    assert not validator().is_valid(data)


def test_nested_read_only_mappings_in_attributes_still_serialize() -> None:
    from types import MappingProxyType

    attrs = MappingProxyType({"tags": MappingProxyType({"team": "apparel"}), "roles": ("A", "B")})
    plan = Plan(changes=(Change(Address.index("p", "i"), Action.CREATE, after=attrs),))
    data = json.loads(render_plan_json(plan))
    assert data["changes"][0]["after"] == {"tags": {"team": "apparel"}, "roles": ["A", "B"]}
