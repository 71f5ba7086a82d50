"""The data-loss rule (DESIGN §9.1): deleting or replacing an index that holds records, or whose count
is unknown, is blocked unless `--allow-delete ADDRESS` or `ensure: absent` (on the index or its project) says so; an
empty index deletes freely. Every boundary is pinned, with the exact block text."""

from __future__ import annotations

import dataclasses

import pytest

from declarate.engine import plan
from declarate.engine.planner import NOT_READ, data_impact_targets
from declarate.model.address import Address
from declarate.model.plan import Action, Block, Change, DataImpact, Plan
from declarate.model.resource import Origin
from declarate.model.settings import Overrides
from declarate.model.state import ScopeDirectives, State

from .builders import NO_OVERRIDES, SETTINGS, desired_state, index, live_state, owned, project

RECS = Address.index("a", "recs")
OTHER = Address.index("a", "other")
DROPPED_LIVE = live_state(project(), owned(index()))  # `recs` is owned live and no longer declared
DROPPED_DESIRED = desired_state(project())


def the_change(result: Plan, address: Address = RECS) -> Change:
    (change,) = [c for c in result.changes if c.address == address]
    return change


def rules(change: Change) -> list[str]:
    return [b.rule for b in change.blocks]


def delete_with(impact: DataImpact | None, overrides: Overrides = NO_OVERRIDES) -> Change:
    impacts = None if impact is None else {RECS: impact}
    return the_change(plan(DROPPED_DESIRED, DROPPED_LIVE, SETTINGS, overrides, impacts))


def test_deleting_an_index_with_records_is_blocked_with_its_count() -> None:
    change = delete_with(DataImpact.counted(12_345, 3))

    assert change.action is Action.DELETE
    assert change.data_impact == DataImpact(12_345, 3, None)
    assert change.blocks == (
        Block(
            "data-loss",
            "the index holds 12,345 records in 3 namespaces: deleting it destroys them",
            "--allow-delete project/a/index/recs, or declare the index (or its project) with ensure: absent",
        ),
    )


def test_one_record_is_enough_to_block_and_is_counted_in_the_singular() -> None:
    change = delete_with(DataImpact.counted(1, 1))

    assert [b.message for b in change.blocks] == [
        "the index holds 1 record in 1 namespace: deleting it destroys them"
    ]


def test_an_empty_index_deletes_freely_and_still_shows_its_impact() -> None:
    change = delete_with(DataImpact.counted(0, 0))

    assert change.blocks == ()
    assert change.data_impact == DataImpact.counted(0, 0)


def test_an_index_with_empty_namespaces_only_deletes_freely() -> None:
    assert delete_with(DataImpact.counted(0, 2)).blocks == ()


def test_an_unknown_count_is_blocked_with_the_reason() -> None:
    change = delete_with(DataImpact.unreadable("describe_index_stats failed: 503 UNAVAILABLE"))

    assert change.blocks == (
        Block(
            "data-loss",
            "the index's record count could not be read (describe_index_stats failed: 503 UNAVAILABLE): "
            "deleting it may destroy data",
            "--allow-delete project/a/index/recs, or declare the index (or its project) with ensure: absent",
        ),
    )


def test_an_index_missing_from_the_impacts_read_is_unknown_and_blocked() -> None:
    change = the_change(plan(DROPPED_DESIRED, DROPPED_LIVE, SETTINGS, Overrides(), {}))

    assert change.data_impact == DataImpact.unreadable(NOT_READ)
    assert rules(change) == ["data-loss"]
    assert NOT_READ in change.blocks[0].message


def test_a_plan_made_without_reading_impacts_carries_none_and_blocks_nothing_for_data() -> None:
    change = delete_with(None)

    assert change.data_impact is None
    assert change.blocks == ()


def test_allow_delete_of_the_address_lifts_the_block_and_keeps_the_impact() -> None:
    change = delete_with(DataImpact.counted(5, 1), Overrides(allow_delete=frozenset({str(RECS)})))

    assert change.blocks == ()
    assert change.data_impact == DataImpact.counted(5, 1)


def test_allow_delete_of_another_address_does_not_lift_the_block() -> None:
    overrides = Overrides(allow_delete=frozenset({str(OTHER), "project/a"}))

    assert rules(delete_with(DataImpact.counted(5, 1), overrides)) == ["data-loss"]


def test_allow_delete_lifts_an_unknown_count_too() -> None:
    overrides = Overrides(allow_delete=frozenset({str(RECS)}))

    assert delete_with(DataImpact.unreadable("timeout"), overrides).blocks == ()


def test_allow_replace_and_allow_mass_delete_do_not_lift_data_loss() -> None:
    overrides = Overrides(allow_replace=frozenset({str(RECS)}), allow_mass_delete=True)

    assert rules(delete_with(DataImpact.counted(5, 1), overrides)) == ["data-loss"]


def test_ensure_absent_on_the_project_deletes_its_indexes_with_records() -> None:
    desired = desired_state(project(), directives={"project/a": ScopeDirectives(ensure_absent=True)})

    result = plan(desired, DROPPED_LIVE, SETTINGS, Overrides(), {RECS: DataImpact.counted(9, 2)})

    change = the_change(result)
    assert change.action is Action.DELETE and change.blocks == ()
    assert change.data_impact == DataImpact.counted(9, 2)


def test_ensure_absent_on_another_project_does_not_lift_the_block() -> None:
    desired = desired_state(
        project(), project("b"), directives={"project/b": ScopeDirectives(ensure_absent=True)}
    )

    result = plan(desired, DROPPED_LIVE, SETTINGS, Overrides(), {RECS: DataImpact.counted(9, 2)})

    assert rules(the_change(result)) == ["data-loss"]


def test_replacing_an_index_with_records_is_blocked_by_replace_and_data_loss_at_once() -> None:
    desired = desired_state(project(), index(dimension=16))
    live = live_state(project(), owned(index()))

    change = the_change(plan(desired, live, SETTINGS, Overrides(), {RECS: DataImpact.counted(2, 1)}))

    assert change.action is Action.REPLACE
    assert change.blocks[1:] == (
        Block(
            "data-loss",
            "the index holds 2 records in 1 namespace: replacing it destroys them",
            "--allow-delete project/a/index/recs",
        ),
    )
    assert rules(change) == ["replace", "data-loss"]


def test_a_replace_allowed_by_config_still_needs_allow_delete_when_it_holds_records() -> None:
    desired = desired_state(project(), index(dimension=16, allow_replace=True))
    live = live_state(project(), owned(index()))
    impacts = {RECS: DataImpact.counted(2, 1)}

    blocked = the_change(plan(desired, live, SETTINGS, Overrides(), impacts))
    allowed = the_change(
        plan(desired, live, SETTINGS, Overrides(allow_delete=frozenset({str(RECS)})), impacts)
    )

    assert rules(blocked) == ["data-loss"]
    assert allowed.blocks == ()


def test_a_replace_of_an_empty_index_needs_only_the_replace_override() -> None:
    desired = desired_state(project(), index(dimension=16))
    live = live_state(project(), owned(index()))

    change = the_change(plan(desired, live, SETTINGS, Overrides(), {RECS: DataImpact.counted(0, 0)}))

    assert rules(change) == ["replace"]


def test_data_loss_comes_after_deletion_protection_in_the_blocks() -> None:
    live = live_state(project(), owned(index(protection="enabled")))

    change = the_change(plan(DROPPED_DESIRED, live, SETTINGS, Overrides(), {RECS: DataImpact.counted(1, 1)}))

    assert rules(change) == ["deletion-protection", "data-loss"]


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        (desired_state(project(), index(tags={"env": "dev"})), live_state(project(), owned(index()))),
        (desired_state(project(), index()), live_state(project())),
        (desired_state(project(), index()), live_state(project(), owned(index()))),
    ],
    ids=["update", "create", "no-change"],
)
def test_changes_that_destroy_no_index_carry_no_impact_and_are_not_read(desired: State, live: State) -> None:
    draft = plan(desired, live, SETTINGS)
    result = plan(desired, live, SETTINGS, Overrides(), {})

    assert data_impact_targets(draft) == []
    assert all(c.data_impact is None and "data-loss" not in rules(c) for c in result.changes)


def test_the_indexes_to_read_are_exactly_the_index_deletes_and_replaces() -> None:
    desired = desired_state(
        project(), index(name="kept", tags={"env": "x"}), index(name="recs", dimension=16)
    )
    live = live_state(
        project(), owned(index(name="kept")), owned(index(name="recs")), owned(index(name="other"))
    )

    draft = plan(desired, live, SETTINGS)

    assert sorted(map(str, data_impact_targets(draft))) == [str(OTHER), str(RECS)]


def test_the_data_impact_round_trips_through_the_json_plan() -> None:
    for impact in (DataImpact.counted(3, 1), DataImpact.unreadable("host not found")):
        result = plan(DROPPED_DESIRED, DROPPED_LIVE, SETTINGS, Overrides(), {RECS: impact})

        document = result.to_json()
        (change,) = document["changes"]
        assert change["data_impact"] == impact.to_json()
        assert Plan.from_json(document) == result


def test_the_impact_summary_is_what_every_view_shows() -> None:
    assert DataImpact.counted(12_345, 3).summary() == "destroys 12,345 records in 3 namespaces"
    assert DataImpact.counted(1, 1).summary() == "destroys 1 record in 1 namespace"
    assert DataImpact.counted(0, 0).summary() == "destroys 0 records in 0 namespaces"
    assert DataImpact.unreadable("timeout").summary() == "unknown: timeout"
    assert DataImpact.unreadable("").unknown == "no reason given"
    assert [DataImpact.counted(0, 4).holds_data, DataImpact.counted(1, 0).holds_data] == [False, True]
    assert DataImpact.unreadable("x").holds_data


def absent_index(*addresses: Address) -> State:
    """The config keeps project `a` and declares each of `addresses` `ensure: absent` (at absent.yaml:N)."""
    declared = desired_state(project())
    origins = {address: Origin("absent.yaml", line) for line, address in enumerate(addresses, start=7)}
    return dataclasses.replace(declared, absent=origins)


def test_ensure_absent_on_the_index_deletes_it_with_its_records() -> None:
    impacts = {RECS: DataImpact.counted(12_345, 3)}

    change = the_change(plan(absent_index(RECS), DROPPED_LIVE, SETTINGS, NO_OVERRIDES, impacts))

    assert change.action is Action.DELETE
    assert change.blocks == ()
    assert change.data_impact == DataImpact.counted(12_345, 3)
    assert change.reason == "declared ensure: absent at absent.yaml:7:1, and tagged managed-by=declarate"


def test_ensure_absent_on_another_index_does_not_lift_the_block() -> None:
    impacts = {RECS: DataImpact.counted(5, 1)}

    change = the_change(plan(absent_index(OTHER), DROPPED_LIVE, SETTINGS, NO_OVERRIDES, impacts))

    assert rules(change) == ["data-loss"]


def test_ensure_absent_never_deletes_an_index_declarate_does_not_own() -> None:
    live = live_state(project(), index())  # no ownership tag

    result = plan(absent_index(RECS), live, SETTINGS, NO_OVERRIDES, {})

    assert result.changes == ()
    assert [(u.address, u.reason) for u in result.unmanaged] == [
        (
            RECS,
            "declared ensure: absent at absent.yaml:7:1, but not tagged managed-by=declarate: "
            "declarate deletes only what it owns",
        )
    ]


def test_ensure_absent_on_an_index_that_is_not_live_is_a_note() -> None:
    result = plan(absent_index(RECS), live_state(project()), SETTINGS, NO_OVERRIDES, {})

    assert result.changes == ()
    assert [(n.address, n.message, str(n.source)) for n in result.notes] == [
        (RECS, "declared ensure: absent, and not found live: nothing to delete", "absent.yaml:7:1")
    ]


def test_indexes_declared_absent_are_exempt_from_the_mass_delete_rules() -> None:
    others = [owned(index(name=f"keep-{i}")) for i in range(3)]
    live = live_state(project(), owned(index()), owned(index(name="other")), *others)
    declared = dataclasses.replace(
        desired_state(project(), *(dataclasses.replace(o, attrs=o.attrs) for o in others)),
        absent={RECS: Origin("absent.yaml", 7), OTHER: Origin("absent.yaml", 9)},
    )
    strict = dataclasses.replace(
        SETTINGS, safety=dataclasses.replace(SETTINGS.safety, min_existing=1, max_delete_fraction=0.1)
    )
    empty = {RECS: DataImpact.counted(0, 0), OTHER: DataImpact.counted(0, 0)}

    result = plan(declared, live, strict, NO_OVERRIDES, empty)

    assert sorted((str(c.address), c.action, c.blocks) for c in result.changes) == [
        ("project/a/index/other", Action.DELETE, ()),
        ("project/a/index/recs", Action.DELETE, ()),
    ]
