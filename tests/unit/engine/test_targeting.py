"""Targeting flags must name something: a typo in --only or an override is an error, not a no-op."""

from __future__ import annotations

from declarate.engine.targeting import unmatched_addresses
from declarate.errors import UnmatchedAddress
from declarate.model.settings import Overrides

from .builders import desired_state, index, live_state, owned, project


def test_addresses_that_exist_in_config_or_live_match() -> None:
    desired = desired_state(project(), index(name="recs"))
    live = live_state(project(), owned(index(name="old")))
    overrides = Overrides(
        only=("project/a", "project/a/index", "project/a/index/old/"),
        allow_replace=frozenset({"project/a/index/recs"}),
        allow_delete=frozenset({"project/a/index/old"}),
    )

    assert unmatched_addresses(overrides, desired, live) == []


def test_a_typo_in_each_flag_is_reported_with_the_closest_address() -> None:
    desired = desired_state(project("team-a"), index("team-a", "recs"))
    overrides = Overrides(
        only=("project/tema-a",),
        allow_replace=frozenset({"project/team-a/index/rec"}),
        allow_delete=frozenset({"service-account/nobody"}),
    )

    assert unmatched_addresses(overrides, desired, live_state()) == [
        UnmatchedAddress("--only", "project/tema-a", ("project/team-a",)),
        UnmatchedAddress("--allow-replace", "project/team-a/index/rec", ("project/team-a/index/recs",)),
        UnmatchedAddress("--allow-delete", "service-account/nobody", ()),
    ]


def test_only_matches_whole_segments_not_name_prefixes() -> None:
    desired = desired_state(project("team-a"))

    (unmatched,) = unmatched_addresses(Overrides(only=("project/team",)), desired, live_state())

    assert unmatched.value == "project/team"


def test_a_typo_of_a_kind_or_of_a_full_address_suggests_the_segment_prefix_meant() -> None:
    desired = desired_state(project("team-a"), index("team-a", "recs"))
    overrides = Overrides(only=("projects", "project/team-a/index/rec", "project/tema-a/"))

    assert unmatched_addresses(overrides, desired, live_state()) == [
        UnmatchedAddress("--only", "projects", ("project",)),
        UnmatchedAddress("--only", "project/team-a/index/rec", ("project/team-a/index/recs",)),
        UnmatchedAddress("--only", "project/tema-a/", ("project/team-a",)),
    ]


def test_an_only_value_ending_in_a_slash_is_suggested_for_without_it() -> None:
    # `project/a/index/rec/` is a prefix of depth three mistyped: the suggestion is the prefix of
    # that depth, not the one whole address it resembles with the slash. Only slashes are stripped.
    desired = desired_state(project(), index(name="search"))
    overrides = Overrides(only=("project/a/index/rec/", "project/X/"))

    assert unmatched_addresses(overrides, desired, live_state()) == [
        UnmatchedAddress("--only", "project/a/index/rec/", ("project/a/index",)),
        UnmatchedAddress("--only", "project/X/", ("project/a",)),
    ]


def test_a_typo_in_a_flag_given_alone_is_reported() -> None:
    """Each flag is checked when it is the only one given, not only alongside the others."""
    desired = desired_state(project("team-a"), index("team-a", "recs"))
    typo = "project/team-a/index/rec"
    alone = {
        "--only": Overrides(only=(typo,)),
        "--allow-replace": Overrides(allow_replace=frozenset({typo})),
        "--allow-delete": Overrides(allow_delete=frozenset({typo})),
    }

    for flag, overrides in alone.items():
        assert unmatched_addresses(overrides, desired, live_state()) == [
            UnmatchedAddress(flag, typo, ("project/team-a/index/recs",))
        ], flag
