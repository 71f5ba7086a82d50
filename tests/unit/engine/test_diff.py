"""Field-level diff: one entry per differing path, classified by the kind's mutability table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytest import MonkeyPatch

import declarate
from declarate.engine import diff as diff_module
from declarate.engine.diff import apply_ignore_changes, create_fields, diff_attrs
from declarate.model.address import Address, Kind
from declarate.model.kinds import Mutability
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Origin

from .builders import api_key, index, project


def test_identical_attrs_have_no_diff() -> None:
    recs = index()
    assert diff_attrs(Kind.INDEX, recs.attrs, index().attrs) == ()


def test_tags_diff_key_by_key_with_added_changed_and_removed_keys() -> None:
    live = index(tags={"team": "apparel", "env": "dev", "old": "x"}).attrs
    desired = index(tags={"team": "search", "env": "dev", "new": "y"}).attrs

    diffs = diff_attrs(Kind.INDEX, live, desired)

    assert [(d.path, d.before, d.after) for d in diffs] == [
        ("tags.new", None, "y"),
        ("tags.old", "x", None),
        ("tags.team", "apparel", "search"),
    ]
    assert all(d.change_class is Mutability.IN_PLACE for d in diffs)


def test_read_capacity_change_is_one_whole_value_diff_in_place() -> None:
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "b1", "scaling": "Manual"}}
    live, desired = index().attrs, index(read_capacity=dedicated).attrs

    (diff,) = diff_attrs(Kind.INDEX, live, desired)

    assert (diff.path, diff.before, diff.after) == ("read_capacity", {"mode": "OnDemand"}, dedicated)
    assert diff.change_class is Mutability.IN_PLACE


def test_dimension_change_is_replace_and_says_vectors_are_lost() -> None:
    (diff,) = diff_attrs(Kind.INDEX, index(dimension=8).attrs, index(dimension=16).attrs)

    assert (diff.path, diff.before, diff.after) == ("schema.fields._values.dimension", 8, 16)
    assert diff.reason == "dimension is immutable: replacing the index deletes all its vectors"
    assert diff.mutability is diff.change_class is Mutability.REPLACE


def test_api_key_roles_are_compared_as_one_list() -> None:
    live = api_key(roles=["DataPlaneViewer", "ProjectViewer"]).attrs
    desired = api_key(roles=["DataPlaneEditor"]).attrs

    (diff,) = diff_attrs(Kind.API_KEY, live, desired)

    assert (diff.path, diff.before, diff.after) == (
        "roles",
        ["DataPlaneViewer", "ProjectViewer"],
        ["DataPlaneEditor"],
    )


def test_cmek_may_be_turned_on_in_place_but_turning_it_off_is_one_way() -> None:
    path = "force_encryption_with_cmek"
    (on,) = diff_attrs(Kind.PROJECT, project(cmek=False).attrs, project(cmek=True).attrs)
    (off,) = diff_attrs(Kind.PROJECT, project(cmek=True).attrs, project(cmek=False).attrs)
    assert on.path == off.path == path
    assert on.mutability is off.mutability is Mutability.ONE_WAY  # the table's rule, carried by each diff
    assert on.change_class is Mutability.IN_PLACE
    assert off.change_class is Mutability.ONE_WAY


def test_ignore_changes_takes_the_live_value_for_the_path_and_everything_below() -> None:
    dedicated = {"mode": "Dedicated", "dedicated": {"node_type": "b1"}}
    live = index(tags={"cost-center": "42", "team": "a"}, read_capacity=dedicated).attrs
    desired = index(tags={"team": "b"}).attrs

    effective = apply_ignore_changes(desired, live, ["tags.cost-center", "read_capacity"])

    assert effective["tags"] == {"cost-center": "42", "team": "b"}
    assert effective["read_capacity"] == dedicated
    assert [d.path for d in diff_attrs(Kind.INDEX, live, effective)] == ["tags.team"]


def test_ignore_changes_drops_a_path_that_is_absent_live() -> None:
    live = index().attrs
    desired = index(tags={"cost-center": "42"}).attrs

    effective = apply_ignore_changes(desired, live, ["tags.cost-center"])

    assert effective["tags"] == {}
    assert diff_attrs(Kind.INDEX, live, effective) == ()


def test_ignore_changes_never_alters_the_desired_attrs_it_is_given() -> None:
    desired = index(tags={"team": "b"})
    apply_ignore_changes(desired.attrs, index(tags={"team": "a"}).attrs, ["tags"])
    assert desired.attrs["tags"] == {"team": "b"}


def test_create_lists_every_leaf_attribute_with_its_source() -> None:
    recs = index(tags={"team": "a"})

    fields = create_fields(Kind.INDEX, recs.attrs, recs.origin_of)

    assert [(f.path, f.before, f.after) for f in fields] == [
        ("deletion_protection", None, "disabled"),
        ("deployment.cloud", None, "aws"),
        ("deployment.deployment_type", None, "managed"),
        ("deployment.region", None, "us-east-1"),
        ("name", None, "recs"),
        ("read_capacity", None, {"mode": "OnDemand"}),
        ("schema.fields._values.dimension", None, 8),
        ("schema.fields._values.metric", None, "cosine"),
        ("schema.fields._values.type", None, "dense_vector"),
        ("tags.team", None, "a"),
    ]
    assert all(f.source == recs.origin_of(f.path) and f.source is not None for f in fields)
    assert {f.reason for f in fields} == {"set at creation"}


def test_a_create_shows_each_field_in_the_config_s_words_and_marks_what_it_did_not_write() -> None:
    # The config wrote `dimension` (sugar for the schema's one dense field) and not the metric.
    recs = dataclasses.replace(
        index(),
        origins={"": Origin("p.yaml", 1), "schema.fields._values.dimension": Origin("p.yaml", 2)},
        spellings=(
            ("schema.fields._values", "schema.fields.embedding"),
            ("schema.fields._values.dimension", "dimension"),
        ),
    )

    fields = {f.path: f for f in create_fields(Kind.INDEX, recs.attrs, recs.origin_of, recs)}

    dimension, metric = fields["schema.fields._values.dimension"], fields["schema.fields._values.metric"]
    assert (dimension.display_path, dimension.default) == ("dimension", False)
    assert (metric.display_path, metric.default) == ("schema.fields.embedding.metric", True)


def test_each_diff_names_the_yaml_position_of_its_path() -> None:
    desired = index(dimension=16)

    (diff,) = diff_attrs(Kind.INDEX, index().attrs, desired.attrs, desired.origin_of)

    assert diff.source == desired.origins["schema.fields._values.dimension"]


def test_a_tuple_and_a_list_with_the_same_items_are_the_same_value() -> None:
    live = {"name": "svc", "roles": ("ProjectEditor",)}
    desired = {"name": "svc", "roles": ["ProjectEditor"]}
    assert diff_attrs(Kind.API_KEY, live, desired) == ()


def test_only_the_diff_and_the_plan_reader_ask_the_kinds_table_how_a_field_changes() -> None:
    """One table per fact: the planner, safety and the views read `FieldDiff.mutability`, never the table."""
    root = Path(declarate.__file__).parent
    askers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "rule_for(" in path.read_text(encoding="utf-8") and "local" not in path.relative_to(root).parts
    )
    assert askers == ["config/index_rules.py", "engine/diff.py", "model/kinds.py", "model/plan.py"]


def test_a_field_diff_read_back_from_a_plan_file_carries_its_rule() -> None:
    (diff,) = diff_attrs(Kind.INDEX, index(dimension=8).attrs, index(dimension=16).attrs)
    change = Change(Address.index("p", "i"), Action.REPLACE, fields=(diff,))

    (read_back,) = Plan.from_json(Plan(changes=(change,)).to_json()).changes[0].fields

    assert read_back == diff
    assert read_back.mutability is Mutability.REPLACE


def test_ignore_changes_below_a_parent_the_config_lacks_keeps_the_live_branch() -> None:
    live = {"name": "recs", "spec": {"pod": {"replicas": 2, "pod_type": "p1.x1"}}}

    assert apply_ignore_changes({"name": "recs"}, live, ["spec.pod.replicas"]) == {
        "name": "recs",
        "spec": {"pod": {"replicas": 2}},
    }


def test_ignore_changes_below_a_parent_missing_on_both_sides_adds_nothing() -> None:
    assert apply_ignore_changes({"name": "recs"}, {"name": "recs"}, ["spec.pod.replicas"]) == {"name": "recs"}


def test_ignore_changes_removes_a_nested_value_that_is_absent_live() -> None:
    desired = {"spec": {"pod": {"replicas": 3, "pod_type": "p1.x1"}}}

    assert apply_ignore_changes(desired, {"spec": {"pod": {"pod_type": "p1.x1"}}}, ["spec.pod.replicas"]) == {
        "spec": {"pod": {"pod_type": "p1.x1"}}
    }


def test_a_mapping_replaced_entirely_is_still_reported_key_by_key() -> None:
    fields = diff_attrs(Kind.INDEX, {"tags": {"team": "a"}}, {"tags": {"owner": "b"}})

    assert [(f.path, f.before, f.after) for f in fields] == [
        ("tags.owner", None, "b"),
        ("tags.team", "a", None),
    ]


def test_a_list_inside_a_mapping_is_one_field_with_both_whole_lists() -> None:
    fields = diff_attrs(
        Kind.INDEX, {"deployment": {"zones": ["a", "b"]}}, {"deployment": {"zones": ["a", "c"]}}
    )

    assert [(f.path, f.before, f.after) for f in fields] == [("deployment.zones", ["a", "b"], ["a", "c"])]


def test_a_whole_value_absent_on_one_side_is_none_there() -> None:
    live = {k: v for k, v in index().attrs.items() if k != "read_capacity"}

    (diff,) = diff_attrs(Kind.INDEX, live, index().attrs)

    assert (diff.path, diff.before, diff.after) == ("read_capacity", None, {"mode": "OnDemand"})


def test_a_whole_value_path_below_the_top_ends_its_unit_for_the_kinds_it_names(
    monkeypatch: MonkeyPatch,
) -> None:
    # WHOLE_VALUE_PATHS is the table: a path it names is compared whole at any depth, and only for
    # the kind it names it for.
    monkeypatch.setattr(diff_module, "WHOLE_VALUE_PATHS", {Kind.INDEX: ("deployment.zone",)})
    before = {"deployment": {"zone": {"a": 1, "b": 2}}}
    after = {"deployment": {"zone": {"a": 1, "b": 3}}}

    assert [(f.path, f.before, f.after) for f in diff_attrs(Kind.INDEX, before, after)] == [
        ("deployment.zone", {"a": 1, "b": 2}, {"a": 1, "b": 3})
    ]
    assert [f.path for f in diff_attrs(Kind.PROJECT, before, after)] == ["deployment.zone.b"]


def test_ignore_changes_of_a_path_absent_on_both_sides_changes_nothing() -> None:
    # An ignored tag that neither the config nor the live index has: nothing to take or drop.
    attrs = index(tags={"team": "a"}).attrs

    assert apply_ignore_changes(attrs, attrs, ["tags.cost-center"]) == attrs


def test_a_value_only_live_has_shows_as_removed_to_none() -> None:
    # Never an internal marker for "absent": the plan shows null.
    live = {"deletion_protection": "enabled", "tags": {"team": "a"}}

    assert [(f.path, f.before, f.after) for f in diff_attrs(Kind.INDEX, live, {})] == [
        ("deletion_protection", "enabled", None),
        ("tags", {"team": "a"}, None),
    ]


def test_a_path_equal_in_the_end_does_not_hide_the_paths_after_it() -> None:
    # `deployment` is null live and absent in the config: no diff, yet `tags.team` after it is one.
    live = {"deployment": None, "tags": {"team": "a"}}

    fields = diff_attrs(Kind.INDEX, live, {"tags": {"team": "b"}})

    assert [(f.path, f.before, f.after) for f in fields] == [("tags.team", "a", "b")]
