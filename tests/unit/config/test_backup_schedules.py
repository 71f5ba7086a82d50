"""`backup_schedules` on an index: normalized resources, defaults apart, overlays by name, export round trip."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.config.document import SourceDocument
from declarate.config.normalize import normalize
from declarate.config.pipeline import load_config
from declarate.diagnostics import Severity
from declarate.model.address import Address, Kind
from declarate.model.settings import Settings
from declarate.render.export import export_documents

from .conftest import WriteConfig

NIGHTLY = Address.backup_schedule("search", "products", "nightly")
BASE = """\
kind: Workspace
environments:
  staging: {}
  prod:
    overlays: [envs/prod]
---
"""
PROJECT = """\
kind: Project
name: search
indexes:
  - name: products
    dimension: 8
    backup_schedules:
      - name: nightly
        frequency: daily
        retain_days: 7
      - {name: monthly, frequency: monthly, retain_days: 365, enabled: false}
"""


def test_each_schedule_is_a_resource_under_its_index_with_enabled_as_a_default(
    write_config: WriteConfig,
) -> None:
    config = load_config([write_config({"search.yaml": PROJECT})], env={})
    assert [d for d in config.diagnostics if d.severity is Severity.ERROR] == []
    nightly = config.desired.get(NIGHTLY)
    assert nightly is not None
    assert dict(nightly.attrs) == {"name": "nightly", "frequency": "daily", "retain_days": 7, "enabled": True}
    assert nightly.written("frequency") and not nightly.written("enabled")  # shown apart as a default
    origin = nightly.origin_of("retain_days")
    assert origin is not None and origin.line == 9
    index = config.desired.get(Address.index("search", "products"))
    assert index is not None and index.directives.backup_schedules


def test_an_index_without_the_key_does_not_own_its_schedules() -> None:
    doc = {"kind": "Project", "name": "p", "indexes": [{"name": "i", "dimension": 8}]}
    state, problems = normalize([SourceDocument("c.yaml", 0, doc)])
    index = state.get(Address.index("p", "i"))
    assert problems == [] and index is not None and not index.directives.backup_schedules
    empty = {
        "kind": "Project",
        "name": "p",
        "indexes": [{"name": "i", "dimension": 8, "backup_schedules": []}],
    }
    state, _ = normalize([SourceDocument("c.yaml", 0, empty)])
    owner = state.get(Address.index("p", "i"))
    assert owner is not None and owner.directives.backup_schedules and not state.of_kind(Kind.BACKUP_SCHEDULE)


def test_an_overlay_patches_schedules_by_name_and_may_add_one(write_config: WriteConfig) -> None:
    overlay = """\
kind: Project
name: search
indexes:
  - name: products
    backup_schedules:
      - {name: nightly, retain_days: 30}
      - {name: weekly, frequency: weekly, retain_days: 60, enabled: false}
"""
    root = write_config({"declarate.yaml": BASE, "search.yaml": PROJECT, "envs/prod/search.yaml": overlay})
    config = load_config([root], env={}, environment="prod")
    assert [str(d) for d in config.diagnostics if d.severity is Severity.ERROR] == []
    schedules = {r.address.name: dict(r.attrs) for r in config.desired.of_kind(Kind.BACKUP_SCHEDULE)}
    assert schedules["nightly"] == {
        "name": "nightly",
        "frequency": "daily",
        "retain_days": 30,
        "enabled": True,
    }
    assert schedules["monthly"]["retain_days"] == 365
    assert schedules["weekly"]["enabled"] is False
    nightly = config.desired.get(NIGHTLY)
    assert nightly is not None
    retain, frequency = nightly.origin_of("retain_days"), nightly.origin_of("frequency")
    assert retain is not None and retain.file.endswith("envs/prod/search.yaml")
    assert frequency is not None and frequency.file.endswith("search.yaml") and "envs" not in frequency.file
    staging = load_config([root], env={}, environment="staging")
    staged = staging.desired.get(NIGHTLY)
    assert staged is not None and staged.attrs["retain_days"] == 7


schedule = st.fixed_dictionaries(
    {
        "frequency": st.sampled_from(["daily", "weekly", "monthly"]),
        "retain_days": st.integers(1, 3650),
        "enabled": st.booleans(),
    }
)


@settings(max_examples=50, deadline=None)
@given(found=st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True), schedule))
def test_exported_schedules_normalize_back_to_the_same_resources(found: dict[str, dict[str, Any]]) -> None:
    declared: dict[str, Any] = {"name": "i", "dimension": 8, "backup_schedules": []}
    for name, fields in sorted(found.items()):
        declared["backup_schedules"].append({"name": name, **fields})
    state, problems = normalize(
        [SourceDocument("c.yaml", 0, {"kind": "Project", "name": "p", "indexes": [declared]})]
    )
    assert problems == []
    (text,) = [
        t for path, t in export_documents(state, Settings(), ["p"]).items() if path.startswith("projects/")
    ]
    again, _ = normalize([SourceDocument("e.yaml", 0, yaml.safe_load(text))])
    assert {r.address: dict(r.attrs) for r in again.of_kind(Kind.BACKUP_SCHEDULE)} == {
        r.address: dict(r.attrs) for r in state.of_kind(Kind.BACKUP_SCHEDULE)
    }


def test_schedules_on_an_index_declared_unmanaged_or_absent_are_an_error_at_their_line(
    write_config: WriteConfig,
) -> None:
    for ensure in ("unmanaged", "absent"):
        text = PROJECT.replace("    dimension: 8\n", f"    dimension: 8\n    ensure: {ensure}\n")
        config = load_config([write_config({"search.yaml": text})], env={})
        (error,) = [d for d in config.diagnostics if d.severity is Severity.ERROR]
        assert error.code == "rules.schedules_of_let_go_index"
        assert error.origin is not None and error.origin.line == 7
        assert f"ensure: {ensure}" in error.message
