"""Backup schedules in the plan: per-field updates, ownership through `backup_schedules`, and order.

An index's declaration that lists `backup_schedules` owns all its schedules; one that does not leaves
them alone. The API allows one enabled schedule per index (409 for a second), so the plan orders the
changes of one index so that the slot is always freed before it is taken, whatever apply runs at once.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.engine import plan
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Origin
from declarate.model.settings import Overrides, Settings

from .builders import SETTINGS, actions, backup_schedule, desired_state, index, live_state, owned, project
from .examples import MUTATION, examples

INDEX = Address.index("a", "recs")


def schedule_address(name: str) -> str:
    return f"project/a/index/recs/backup-schedule/{name}"


def test_a_declared_schedule_missing_live_is_created_after_its_new_index() -> None:
    desired = desired_state(project(), index(backup_schedules=True), backup_schedule())
    live = live_state(project())

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a/index/recs", "create"),
        (schedule_address("nightly"), "create"),
    ]
    create = result.changes[1]
    assert INDEX in create.depends_on
    assert {(f.path, f.after) for f in create.fields} >= {("frequency", "daily"), ("retain_days", 7)}


def test_each_changed_field_is_an_in_place_update_with_its_source() -> None:
    desired = desired_state(
        project(), index(backup_schedules=True), backup_schedule(frequency="weekly", retain_days=30)
    )
    live = live_state(project(), owned(index()), backup_schedule())

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.UPDATE
    assert str(change.address) == schedule_address("nightly")
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("frequency", "daily", "weekly"),
        ("retain_days", 7, 30),
    ]
    assert all(f.source is not None and f.source.file == "projects/a.yaml" for f in change.fields)
    assert all("in place" in f.reason for f in change.fields)


def test_an_index_listing_backup_schedules_owns_them_all() -> None:
    desired = desired_state(project(), index(backup_schedules=True), backup_schedule())
    live = live_state(project(), owned(index()), backup_schedule(), backup_schedule(name="console-made"))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [(schedule_address("console-made"), "delete")]
    assert "lists backup_schedules" in result.changes[0].reason


def test_an_index_without_backup_schedules_leaves_live_schedules_alone() -> None:
    desired = desired_state(project(), index())
    live = live_state(project(), owned(index()), backup_schedule())

    result = plan(desired, live, SETTINGS)

    assert result.changes == ()
    assert [(str(u.address), u.reason) for u in result.unmanaged] == [
        (
            schedule_address("nightly"),
            f"{INDEX} does not list backup_schedules: declarate leaves its schedules alone",
        )
    ]


def test_schedules_of_an_undeclared_index_go_with_it() -> None:
    desired = desired_state(project())
    live = live_state(project(), owned(index()), backup_schedule())

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/a/index/recs", "delete")]
    assert result.unmanaged == ()


def test_an_empty_list_deletes_every_schedule_but_all_of_several_is_a_mass_delete() -> None:
    desired = desired_state(project(), index(backup_schedules=True))
    one = live_state(project(), owned(index()), backup_schedule())
    two = live_state(
        project(), owned(index()), backup_schedule(), backup_schedule(name="weekly", enabled=False)
    )

    (single,) = plan(desired, one, SETTINGS).changes
    assert single.action is Action.DELETE and single.blocked is None
    blocked = plan(desired, two, SETTINGS).changes
    assert [b.rule for c in blocked for b in c.blocks] == ["delete-all", "delete-all"]
    assert (
        blocked[0].blocks[0].message == "this plan deletes all 2 backup schedules declarate owns in project/a"
    )
    freed = plan(desired, two, SETTINGS, Overrides(allow_mass_delete=True)).changes
    assert all(c.blocked is None for c in freed)


def test_a_disabled_schedule_beside_one_that_stays_enabled_is_blocked() -> None:
    desired = desired_state(
        project(),
        index(backup_schedules=True),
        backup_schedule(),
        backup_schedule(name="spare", enabled=False),
    )
    live = live_state(project(), owned(index()), backup_schedule())

    (change,) = plan(desired, live, SETTINGS).changes

    assert [(b.rule, b.message, b.override) for b in change.blocks] == [
        (
            "backup-schedule-slot",
            "the API creates a backup schedule enabled and allows one enabled schedule per index, and "
            "'nightly' stays enabled",
            "none: apply once with 'nightly' set to enabled: false, then enable it again (re-enabling "
            "takes a backup at once)",
        )
    ]


def test_only_an_enabled_schedule_of_the_same_index_is_in_the_way_of_a_disabled_one() -> None:
    # Live: on recs a disabled one first, then the enabled one that stays; on other, an enabled one.
    desired = desired_state(
        project(),
        index(backup_schedules=True),
        index(name="other", backup_schedules=True),
        backup_schedule(name="a-off", enabled=False),
        backup_schedule(name="nightly"),
        backup_schedule(index="other", name="b-new", enabled=False),
        backup_schedule(index="other", name="c-on"),
    )
    live = live_state(
        project(),
        owned(index()),
        owned(index(name="other")),
        backup_schedule(name="a-off", enabled=False),
        backup_schedule(name="nightly"),
        backup_schedule(index="other", name="c-on"),
        backup_schedule(index="other", name="a-gone", enabled=False),
    )
    alone = desired_state(
        project(),
        index(backup_schedules=True),
        index(name="other", backup_schedules=True),
        backup_schedule(name="nightly"),
        backup_schedule(index="other", name="b-new", enabled=False),
    )

    blocked = {str(c.address): [b.rule for b in c.blocks] for c in plan(desired, live, SETTINGS).changes}
    free = {
        str(c.address): [b.rule for b in c.blocks]
        for c in plan(
            alone,
            live_state(
                project(), owned(index()), owned(index(name="other")), backup_schedule(name="nightly")
            ),
            SETTINGS,
        ).changes
    }

    assert blocked["project/a/index/other/backup-schedule/b-new"] == ["backup-schedule-slot"]
    assert free == {"project/a/index/other/backup-schedule/b-new": []}


def test_a_new_enabled_schedule_waits_for_the_old_one_to_be_deleted() -> None:
    desired = desired_state(project(), index(backup_schedules=True), backup_schedule(name="weekly"))
    live = live_state(project(), owned(index()), backup_schedule())

    result = plan(desired, live, SETTINGS)

    create, delete = result.changes
    assert (create.action, delete.action) == (Action.CREATE, Action.DELETE)
    assert delete.address in create.depends_on


def test_a_new_disabled_schedule_waits_for_the_deleted_one_whatever_their_names() -> None:
    # A disabled schedule is created enabled, then disabled: it holds the slot for a moment, so the
    # schedule being deleted must free it first, even when it sorts after the new one.
    desired = desired_state(
        project(), index(backup_schedules=True), backup_schedule(name="a-spare", enabled=False)
    )
    live = live_state(project(), owned(index()), backup_schedule(name="z-old"))

    result = plan(desired, live, SETTINGS)

    by_address = {str(c.address): c for c in result.changes}
    create, delete = by_address[schedule_address("a-spare")], by_address[schedule_address("z-old")]
    assert (create.action, delete.action) == (Action.CREATE, Action.DELETE)
    assert delete.address in create.depends_on and create.address not in delete.depends_on


# -- the enabled slot, under any interleaving apply may choose ---------------------------------------

NAMES = ("a1", "b2", "c3", "d4")
schedules = st.dictionaries(
    st.sampled_from(NAMES),
    st.tuples(st.sampled_from(("daily", "weekly")), st.sampled_from((1, 7)), st.booleans()),
    max_size=4,
).map(lambda found: _at_most_one_enabled(found))


def _at_most_one_enabled(found: dict[str, tuple[str, int, bool]]) -> dict[str, tuple[str, int, bool]]:
    seen = False
    result = {}
    for name, (frequency, days, enabled) in sorted(found.items()):
        result[name] = (frequency, days, enabled and not seen)
        seen = seen or enabled
    return result


def _resources(found: dict[str, tuple[str, int, bool]]) -> list:  # type: ignore[type-arg]
    return [backup_schedule(name=n, frequency=f, retain_days=r, enabled=e) for n, (f, r, e) in found.items()]


def _steps(change: Change, live_enabled: bool) -> list[tuple[str, bool]]:
    """How one change moves the slot: (schedule, enabled after the step) per request it sends."""
    name = change.address.name
    after = bool((change.after or {}).get("enabled"))
    if change.action is Action.DELETE:
        return [(name, False)]
    if change.action is Action.CREATE:
        return [(name, True)] if after else [(name, True), (name, False)]
    return [(name, after)] if after != live_enabled else []


@settings(max_examples=examples(150), deadline=None, derandomize=MUTATION)
@given(desired=schedules, live=schedules, data=st.data())
def test_no_interleaving_of_a_plan_ever_enables_two_schedules(
    desired: dict[str, tuple[str, int, bool]], live: dict[str, tuple[str, int, bool]], data: st.DataObject
) -> None:
    result: Plan = plan(
        desired_state(project(), index(backup_schedules=True), *_resources(desired)),
        live_state(project(), owned(index()), *_resources(live)),
        Settings(),
        # Consent to every deletion (of schedules, of backups by a shorter retention): the order is tested.
        Overrides(allow_mass_delete=True, allow_delete=frozenset(map(schedule_address, {*desired, *live}))),
    )
    blocked = [c for c in result.changes if c.blocked is not None]
    if blocked:
        # Only the case no order can help: a disabled schedule created beside one that stays enabled.
        for change in blocked:
            assert [b.rule for b in change.blocks] == ["backup-schedule-slot"]
            assert change.action is Action.CREATE and desired[change.address.name][2] is False
        assert any(on and desired.get(name, ("", 0, False))[2] for name, (_, _, on) in live.items())
        return
    changes = list(result.changes)
    enabled = {name for name, (_, _, on) in live.items() if on}
    pending = {i: _steps(c, c.address.name in enabled) for i, c in enumerate(changes)}
    finished: set[Address] = set()
    while pending:
        runnable = [i for i in pending if all(d in finished for d in changes[i].depends_on)]
        assert runnable, "the plan's dependencies never let some change start"
        i = data.draw(st.sampled_from(sorted(runnable)))
        if pending[i]:
            name, on = pending[i].pop(0)
            if on:
                assert not (enabled - {name}), f"{name} enabled while {sorted(enabled)} still is"
                enabled.add(name)
            else:
                enabled.discard(name)
        if not pending[i]:
            del pending[i]
            finished.add(changes[i].address)
    assert enabled == {name for name, (_, _, on) in desired.items() if on}


def test_a_replaced_index_gets_its_declared_schedules_created_again() -> None:
    desired = desired_state(
        project(), index(dimension=16, allow_replace=True, backup_schedules=True), backup_schedule()
    )
    live = live_state(project(), owned(index()), backup_schedule(), backup_schedule(name="old"))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a/index/recs", "replace"),
        (schedule_address("nightly"), "create"),
    ]
    assert INDEX in result.changes[1].depends_on


def test_a_schedule_declared_unmanaged_is_never_deleted_and_says_to_keep_its_declaration() -> None:
    nightly = Address.backup_schedule("a", "recs", "nightly")
    declared = desired_state(project(), index(backup_schedules=True))
    desired = dataclasses.replace(declared, unmanaged={nightly: Origin("projects/a.yaml", 21, 15)})
    live = live_state(project(), owned(index()), backup_schedule(), backup_schedule(name="weekly"))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [(schedule_address("weekly"), "delete")]
    assert [(str(u.address), u.reason) for u in result.unmanaged] == [
        (
            schedule_address("nightly"),
            "declared ensure: unmanaged at projects/a.yaml:21:15: declarate no longer manages it; keep "
            "this declaration: project/a/index/recs lists backup_schedules, so without it the schedule "
            "would be deleted",
        )
    ]


def test_lowering_the_retention_is_blocked_as_data_loss_until_allowed() -> None:
    desired = desired_state(project(), index(backup_schedules=True), backup_schedule(retain_days=6))
    live = live_state(project(), owned(index()), backup_schedule(retain_days=7))

    (change,) = plan(desired, live, SETTINGS).changes

    assert change.action is Action.UPDATE
    assert [(b.rule, b.message, b.override) for b in change.blocks] == [
        (
            "data-loss",
            "lowering retain_days from 7 to 6 deletes the backups this schedule took more than 6 days ago",
            f"--allow-delete {schedule_address('nightly')}",
        )
    ]
    allowed = Overrides(allow_delete=frozenset({schedule_address("nightly")}))
    assert plan(desired, live, SETTINGS, allowed).changes[0].blocks == ()
    elsewhere = Overrides(allow_delete=frozenset({"project/a/index/recs"}))
    assert [b.rule for b in plan(desired, live, SETTINGS, elsewhere).changes[0].blocks] == ["data-loss"]


def test_the_retention_cut_message_says_day_for_one_and_days_for_two() -> None:
    live = live_state(project(), owned(index()), backup_schedule(retain_days=7))
    messages = []
    for days in (1, 2):
        desired = desired_state(project(), index(backup_schedules=True), backup_schedule(retain_days=days))
        messages.append(plan(desired, live, SETTINGS).changes[0].blocks[0].message)

    assert [m.rpartition(" took ")[2] for m in messages] == ["more than 1 day ago", "more than 2 days ago"]


def test_updating_a_disabled_schedule_beside_an_enabled_one_is_never_blocked() -> None:
    desired = desired_state(
        project(),
        index(backup_schedules=True),
        backup_schedule(),
        backup_schedule(name="weekly", enabled=False, retain_days=14),
    )
    live = live_state(
        project(), owned(index()), backup_schedule(), backup_schedule(name="weekly", enabled=False)
    )

    (change,) = plan(desired, live, SETTINGS).changes

    assert (change.action, change.blocks) == (Action.UPDATE, ())


def test_keeping_backups_longer_or_changing_other_fields_is_never_a_data_loss() -> None:
    live = live_state(project(), owned(index()), backup_schedule(retain_days=7))
    for declared in (backup_schedule(retain_days=8), backup_schedule(retain_days=7, frequency="weekly")):
        desired = desired_state(project(), index(backup_schedules=True), declared)

        (change,) = plan(desired, live, SETTINGS).changes

        assert change.action is Action.UPDATE and change.blocks == ()


def test_an_index_updated_in_place_keeps_its_unchanged_schedule() -> None:
    # Only a replaced or renamed index loses its schedules; an update leaves them as they are.
    desired = desired_state(project(), index(backup_schedules=True, protection="enabled"), backup_schedule())
    live = live_state(project(), owned(index()), backup_schedule())

    assert actions(plan(desired, live, SETTINGS).changes) == [("project/a/index/recs", "update")]
