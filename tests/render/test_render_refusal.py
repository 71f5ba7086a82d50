"""A refused saved plan in words: the errors carry data, `render.refusal` alone words them."""

from __future__ import annotations

from declarate import redaction
from declarate.errors import MovedAttribute, PlanStale, Staleness, StaleObject, TargetMismatch
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.render.refusal import error_message
from declarate.workflow import stale_objects

INDEX = Address.index("team", "recs")


def test_a_stale_plan_names_each_object_and_the_attributes_that_moved() -> None:
    before = {"name": "recs", "tags": {"env": "dev"}}
    planned = Plan(
        changes=(Change(INDEX, Action.UPDATE, before=before, after=before),),
        fingerprints={str(INDEX): Resource(INDEX, before).fingerprint(), "project/gone": "0" * 16},
    )
    live = State.of([Resource(INDEX, {"name": "recs", "tags": {"env": "prod"}})])

    stale = list(stale_objects(planned, live))

    assert stale == [
        StaleObject("project/gone", Staleness.DELETED),
        StaleObject(str(INDEX), Staleness.CHANGED, (MovedAttribute("tags.env", "dev", "prod"),)),
    ]
    message, lines = error_message(PlanStale(stale))
    assert message == "the saved plan is stale; live state changed since it was made:"
    assert lines == [
        "  - project/gone was deleted since the plan was made",
        f'  - {INDEX} changed since the plan was made: tags.env "dev" -> "prod"',
        "Run plan again.",
    ]


def test_a_stale_plan_masks_a_known_secret_value_and_shows_at_most_five_paths() -> None:
    redaction.register_all(["pcsk_old_value_0123456789", "pcsk_new_value_0123456789"])
    moved = tuple(MovedAttribute(f"tags.t{i}", "a", "b") for i in range(6))
    secret = (MovedAttribute("value", "pcsk_old_value_0123456789", "pcsk_new_value_0123456789"),)

    _, lines = error_message(PlanStale([StaleObject("k", Staleness.CHANGED, secret + moved)]))

    assert "pcsk_" not in "\n".join(lines)
    assert lines[0].endswith("; and 2 more")


def test_a_plan_for_another_target_names_both() -> None:
    error = TargetMismatch("https://api.pinecone.io", "local (embedded, .declarate/local.db)")

    assert error_message(error) == (
        "the saved plan was made for target https://api.pinecone.io, not local (embedded, "
        ".declarate/local.db): run plan again against this target",
        [],
    )
