"""Saved-plan inputs and signatures: every field the planner reads is saved, and a signature covers
every byte of meaning."""

from __future__ import annotations

import dataclasses
import json

import pytest

from declarate.model.address import Address
from declarate.model.plan import PlanFormatError
from declarate.model.resource import Directives, Origin, Resource
from declarate.model.saved_plan import (
    PlanInputs,
    PlanSignatureError,
    canonical_bytes,
    inputs_from_json,
    inputs_to_json,
    signature,
    verify_signature,
)
from declarate.model.settings import Overrides, Policies, Safety, Settings
from declarate.model.state import ScopeDirectives, State


def names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_field_the_planner_reads_is_saved() -> None:
    # A field added to one of these types must be saved too, or a saved plan would be re-derived
    # without it: this test fails first, naming the type.
    saved = inputs_to_json(PlanInputs(State(), Settings(), Overrides()))
    assert names(Resource) - {"server"} == {"address", "attrs", "origins", "directives", "spellings"}
    assert names(Directives) == {
        "ignore_changes",
        "allow_replace",
        "renamed_from",
        "keep_backup",
        "backup_schedules",
    }
    # Live state's `protected` is read again at apply; everything desired state says is saved.
    assert names(State) - {"protected"} == set(saved["desired"])
    assert names(ScopeDirectives) == {
        "ensure_absent",
        "unmanaged",
        "prune_api_keys",
        "prune_role_bindings",
        "prune_service_accounts",
        "api_key_env",
        "origin",
    }
    # Where the plan runs (the pinned target, the environment and its values, already applied to the
    # desired state) is not a planner input: the saved plan's `target` text names it and is checked.
    assert names(Settings) - {"target", "environments", "environment"} == set(saved["settings"]) - {
        "ownership_tag"
    } | {
        "ownership_tag_key",
        "ownership_tag_value",
    }
    assert names(Safety) == set(saved["settings"]["safety"])
    assert names(Policies) == set(saved["settings"]["policies"])
    assert names(Overrides) == set(saved["overrides"])


def test_canonical_bytes_ignore_formatting_and_the_signature_itself() -> None:
    document = {"b": [1, 2.5, "é"], "a": {"z": None, "y": True}}
    pretty = json.loads(json.dumps(document, indent=4))

    assert canonical_bytes(document) == b'{"a":{"y":true,"z":null},"b":[1,2.5,"\\u00e9"]}'
    assert canonical_bytes({**pretty, "signature": {"value": "x"}}) == canonical_bytes(document)


def test_a_signature_covers_every_value_and_needs_the_key() -> None:
    document = {"changes": [{"address": "project/a", "action": "create"}]}
    signed = {**document, "signature": signature(document, b"key")}

    verify_signature(signed, b"key")
    with pytest.raises(PlanSignatureError, match="does not match"):
        verify_signature(signed, b"other key")
    with pytest.raises(PlanSignatureError, match="does not match"):
        verify_signature({**signed, "changes": [{"address": "project/a", "action": "delete"}]}, b"key")
    with pytest.raises(PlanSignatureError, match="not signed"):
        verify_signature(document, b"key")
    with pytest.raises(PlanSignatureError, match="not an hmac-sha256"):
        verify_signature({**document, "signature": "abc"}, b"key")


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d["settings"]["safety"].update(max_delete_fraction=7), "max_delete_fraction"),
        (lambda d: d["overrides"].update(allow_replace=["not an address"]), "not an address"),
        (lambda d: d["overrides"].update(allow_mass_delete="yes"), "must be true or false"),
        (lambda d: d["desired"].update(resources={}), "must be an array"),
        (lambda d: d.pop("settings"), "missing key 'settings'"),
        (lambda d: d["desired"].update(unmanaged=[{"address": "nowhere"}]), "not an address|'origin'"),
    ],
)
def test_hostile_inputs_are_a_format_error(edit: object, says: str) -> None:
    data = json.loads(json.dumps(inputs_to_json(PlanInputs(State(), Settings(), Overrides()))))
    edit(data)  # type: ignore[operator]
    with pytest.raises(PlanFormatError, match=says):
        inputs_from_json(data)


def test_objects_declared_unmanaged_survive_a_saved_plan() -> None:
    # Re-deriving a saved plan without them would plan deletes the user asked never to make.
    desired = State.of(
        [],
        {"project/team", "project/old"},
        {"project/old": ScopeDirectives(unmanaged=True, origin=Origin("p.yaml", 1))},
        unmanaged={
            Address.index("team", "legacy"): Origin("p.yaml", 8, 13),
            Address.project_("old"): Origin("p.yaml", 1, 9),
        },
    )
    saved = json.loads(json.dumps(inputs_to_json(PlanInputs(desired, Settings(), Overrides()))))

    read = inputs_from_json(saved).desired

    assert dict(read.unmanaged) == dict(desired.unmanaged)
    assert read.directives_for("project/old").unmanaged
    assert not read.directives_for("project/team").unmanaged


def test_indexes_declared_absent_survive_a_saved_plan() -> None:
    # Re-deriving without them would turn the delete the user asked for into a data-loss block.
    desired = State.of(
        [], {"project/team"}, absent={Address.index("team", "retired"): Origin("p.yaml", 5, 29)}
    )
    saved = json.loads(json.dumps(inputs_to_json(PlanInputs(desired, Settings(), Overrides()))))

    assert saved["desired"]["absent"] == [
        {"address": "project/team/index/retired", "origin": saved["desired"]["absent"][0]["origin"]}
    ]
    assert dict(inputs_from_json(saved).desired.absent) == dict(desired.absent)
