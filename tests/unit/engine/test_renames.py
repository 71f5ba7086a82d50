"""`renamed_from`: one rename change, never a delete plus a create, and its blocks (DESIGN §9.1, §9.6)."""

from __future__ import annotations

import dataclasses

from declarate.engine import plan
from declarate.engine.renames import rehome
from declarate.model.address import Address, PrincipalType
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Directives, Origin, Resource
from declarate.model.state import ScopeDirectives
from declarate.render.markdown import render_plan_markdown
from declarate.render.text import render_plan_text

from .builders import (
    SETTINGS,
    actions,
    api_key,
    binding,
    desired_state,
    index,
    live_state,
    owned,
    project,
    service_account,
)


def renamed(resource: Resource, old: str, *, keep_backup: bool = False) -> Resource:
    directives = dataclasses.replace(resource.directives, renamed_from=old, keep_backup=keep_backup)
    return dataclasses.replace(resource, directives=directives)


def only_change(result: Plan) -> Change:
    (change,) = result.changes
    return change


def block_rules(change: Change) -> list[str]:
    return [b.rule for b in change.blocks]


def test_an_index_renamed_from_a_live_index_is_one_rename_never_a_delete_and_a_create() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs")))

    change = only_change(plan(desired, live, SETTINGS))

    assert (str(change.address), change.action) == ("project/a/index/recs-v2", Action.RENAME)
    assert change.renamed_from == Address.index("a", "recs")
    assert change.blocks == ()
    assert [(f.path, f.before, f.after) for f in change.fields] == [("name", "recs", "recs-v2")]
    assert "the records move" in change.reason or "records moved" in change.reason
    # Where it is declared, and the old object's attrs before and the new one's after, as a saved
    # plan keeps them to notice a move; no backup is kept unless the declaration asks for one.
    assert change.source == Origin("projects/a.yaml", 10)
    assert change.before == dict(owned(index(name="recs")).attrs)
    assert change.after == dict(owned(index(name="recs-v2")).attrs)
    assert change.keep_backup is False


def test_a_rename_keeps_a_backup_when_the_declaration_asks_for_one() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs", keep_backup=True))
    live = live_state(project(), owned(index(name="recs")))

    assert only_change(plan(desired, live, SETTINGS)).keep_backup is True


def test_a_rename_a_killed_run_left_half_done_resumes_from_the_new_index() -> None:
    # The new index carries the marker naming the old one, which is gone: the rename resumes.
    marker = {"managed-by": "declarate", "declarate-renaming-from": "recs"}
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), index(name="recs-v2", tags=marker))

    change = only_change(plan(desired, live, SETTINGS))

    assert change.action is Action.RENAME and change.renamed_from == Address.index("a", "recs")
    assert change.blocks == ()  # the new name is live, but it is this rename's own
    assert change.reason.startswith("renamed_from recs: ")
    assert change.before == dict(index(name="recs-v2", tags=marker).attrs)


def test_a_rename_that_is_done_is_no_change() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs-v2")))

    assert plan(desired, live, SETTINGS).changes == ()


def test_a_rename_whose_old_and_new_names_are_both_missing_is_a_plain_create_that_says_so() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))

    change = only_change(plan(desired, live_state(project()), SETTINGS))

    assert change.action is Action.CREATE
    assert "renamed_from recs does not exist live either" in change.reason


def test_a_rename_whose_old_and_new_names_both_exist_is_blocked_and_deletes_neither() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs")), owned(index(name="recs-v2")))

    change = only_change(plan(desired, live, SETTINGS))

    assert change.action is Action.RENAME
    assert block_rules(change) == ["rename-conflict"]
    assert "both recs and recs-v2 exist live" in change.blocks[0].message


def test_renaming_an_index_declarate_does_not_own_is_blocked_like_its_delete() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), index(name="recs"))  # no ownership tag

    change = only_change(plan(desired, live, SETTINGS))

    assert block_rules(change) == ["rename-unowned"]
    assert "managed-by=declarate" in change.blocks[0].override
    # The ownership tag the rename would add is not written in the config: shown apart, as a default.
    assert [(f.path, f.default) for f in change.fields] == [("name", False), ("tags.managed-by", True)]


def test_renaming_a_protected_index_is_blocked_with_the_reason() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2", protection="enabled"), "recs"))
    live = live_state(project(), owned(index(name="recs", protection="enabled")))

    change = only_change(plan(desired, live, SETTINGS))

    assert block_rules(change) == ["deletion-protection"]
    assert "deletion protection is enabled on index recs" in change.blocks[0].message


def test_a_rename_that_also_changes_an_immutable_field_is_blocked_with_the_field() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2", dimension=16), "recs"))
    live = live_state(project(), owned(index(name="recs", dimension=8)))

    change = only_change(plan(desired, live, SETTINGS))

    assert block_rules(change) == ["rename-immutable"]
    assert "schema.fields._values.dimension" in change.blocks[0].message


def test_a_pod_index_cannot_be_renamed() -> None:
    pod = {"deployment_type": "pod", "environment": "us-east-1-aws", "pod_type": "p1.x1"}
    desired = desired_state(project(), renamed(index(name="recs-v2", deployment=pod), "recs"))
    live = live_state(project(), owned(index(name="recs", deployment=pod)))

    change = only_change(plan(desired, live, SETTINGS))

    assert "rename-pod" in block_rules(change)


def test_the_old_index_of_a_rename_is_never_deleted_nor_reported_unmanaged() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs")))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/a/index/recs-v2", "rename")]
    assert result.unmanaged == ()


def test_api_keys_and_service_accounts_are_renamed_in_place() -> None:
    desired = desired_state(
        project(),
        renamed(api_key(name="svc-v2", roles=("ProjectViewer",)), "svc"),
        renamed(service_account("deployer"), "ci"),
        scopes={"organization"},
    )
    live = live_state(
        project(), api_key(name="svc"), service_account("ci"), scopes={"project/a", "organization"}
    )

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [
        ("project/a/api-key/svc-v2", "rename"),
        ("service-account/deployer", "rename"),
    ]
    key = result.changes[0]
    assert {f.path: (f.before, f.after) for f in key.fields} == {
        "name": ("svc", "svc-v2"),
        "roles": (["ProjectEditor"], ["ProjectViewer"]),
    }
    assert "updated in place" in key.reason
    assert all(c.blocks == () for c in result.changes)


def test_a_renamed_project_keeps_its_contents_they_are_neither_created_nor_deleted() -> None:
    desired = desired_state(renamed(project("b"), "a"), index("b", "recs"), api_key("b", "svc"))
    live = live_state(project("a"), owned(index("a", "recs")), api_key("a", "svc"))

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/b", "rename")]
    assert result.changes[0].renamed_from == Address.project_("a")
    assert result.changes[0].after == dict(project("b").attrs)  # a project carries no ownership tag
    assert result.unmanaged == ()


def test_a_declaration_renamed_from_a_protected_object_is_a_create_never_a_rename() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), index(name="recs"), protected=[Address.index("a", "recs")])

    assert actions(plan(desired, live, SETTINGS).changes) == [("project/a/index/recs-v2", "create")]


def test_the_contents_of_a_renamed_project_wait_for_the_rename() -> None:
    desired = desired_state(renamed(project("b"), "a"), index("b", "recs", tags={"team": "b"}), binding("b"))
    live = live_state(project("a"), owned(index("a", "recs")), service_account("ci"), scopes={"project/a"})

    result = plan(desired, live, SETTINGS)

    by_address = {str(c.address): c for c in result.changes}
    assert by_address["project/b"].action is Action.RENAME
    assert by_address["project/b/index/recs"].action is Action.UPDATE
    assert by_address["project/b/index/recs"].depends_on == (Address.project_("b"),)
    assert by_address["project/b/role-binding/service-account:ci/ProjectViewer"].depends_on == (
        Address.project_("b"),
    )


def test_the_bindings_of_a_renamed_project_or_service_account_are_neither_replaced_nor_deleted() -> None:
    # A live binding moves with what it names: in project b, held by `deployer`, as declared.
    desired = desired_state(
        renamed(project("b"), "a"),
        renamed(service_account("deployer"), "ci"),
        binding("b", "deployer"),
        binding("b", "bob@example.com", principal_type=PrincipalType.USER),
        scopes={"organization"},
    )
    live = live_state(
        project("a"),
        service_account("ci"),
        binding("a", "ci"),
        binding("a", "bob@example.com", principal_type=PrincipalType.USER),
        scopes={"project/a", "organization"},
    )

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/b", "rename"), ("service-account/deployer", "rename")]
    assert result.unmanaged == ()


def test_rehoming_is_idempotent_and_keeps_the_old_project_itself() -> None:
    desired = desired_state(renamed(project("b"), "a"), index("b", "recs"))
    live = live_state(project("a"), owned(index("a", "recs")))

    once = rehome(desired, live)

    assert rehome(desired, once) == once
    assert Address.project_("a") in once and Address.index("b", "recs") in once
    assert "project/b" in once.scopes


def test_renamed_from_a_name_that_is_still_declared_plans_no_rename() -> None:
    # The config rules refuse this; the planner must still never let one declaration take another's object.
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"), index(name="recs"))
    live = live_state(project(), owned(index(name="recs")))

    result = plan(desired, live, SETTINGS)

    assert ("project/a/index/recs", "delete") not in actions(result.changes)


def test_a_rename_survives_the_plan_json_round_trip() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs")))
    result = plan(desired, live, SETTINGS)

    again = Plan.from_json(result.to_json())

    assert again.changes == result.changes
    assert result.to_json()["changes"][0]["renamed_from"] == "project/a/index/recs"
    assert result.summary()["rename"] == 1
    assert "1 to rename" in result.summary_line()


def test_text_and_markdown_show_old_to_new() -> None:
    desired = desired_state(project(), renamed(index(name="recs-v2"), "recs"))
    live = live_state(project(), owned(index(name="recs")))
    result = plan(desired, live, SETTINGS)

    assert "project/a/index/recs-v2 (rename recs -> recs-v2)" in render_plan_text(result, color=False)
    assert "rename recs -&gt; recs-v2" in render_plan_markdown(result) or (
        "rename recs -> recs-v2" in render_plan_markdown(result)
    )


def test_directives_default_to_no_rename() -> None:
    assert Directives().renamed_from is None and Directives().keep_backup is False


POD = {"deployment_type": "pod", "environment": "us-east-1-aws", "pod_type": "p1.x1"}
BYOC = {"deployment_type": "byoc", "environment": "aws-us-east-1-b921"}


def test_every_rename_block_says_why_and_what_would_let_it_run() -> None:
    cases = {
        "both live": (index(name="recs-v2"), [owned(index(name="recs")), owned(index(name="recs-v2"))]),
        "unowned": (index(name="recs-v2"), [index(name="recs")]),
        "protected": (index(name="recs-v2"), [owned(index(name="recs", protection="enabled"))]),
        "immutable": (index(name="recs-v2", dimension=16, metric="dotproduct"), [owned(index(name="recs"))]),
        "pod": (index(name="recs-v2", deployment=POD), [owned(index(name="recs", deployment=POD))]),
    }
    found = {
        case: [
            (b.rule, b.message, b.override)
            for b in only_change(
                plan(desired_state(project(), renamed(new, "recs")), live_state(project(), *old), SETTINGS)
            ).blocks
        ]
        for case, (new, old) in cases.items()
    }

    assert found == {
        "both live": [
            (
                "rename-conflict",
                "both recs and recs-v2 exist live: a rename needs the new name free, and declarate will not "
                "guess which one to keep",
                "delete the index you do not want by hand, or remove renamed_from: recs when the rename is "
                "already done",
            )
        ],
        "unowned": [
            (
                "rename-unowned",
                "index recs is not tagged managed-by=declarate: a rename deletes it once its records moved, "
                "and declarate never deletes an index it does not own",
                "tag index recs `managed-by=declarate` by hand, or declare it under its own name first (adopt)",
            )
        ],
        "protected": [
            (
                "deletion-protection",
                "deletion protection is enabled on index recs, which the rename deletes once its records moved",
                "declare index recs (without renamed_from) with deletion_protection: disabled and apply, then "
                "rename (the new index gets the protection you declare)",
            )
        ],
        "immutable": [
            (
                "rename-immutable",
                "immutable fields differ from the live index recs (schema.fields._values.dimension, "
                "schema.fields._values.metric): a rename keeps them, and changing them destroys the data",
                "none: rename first with the live values, then change them in a later plan (a replace)",
            )
        ],
        "pod": [
            (
                "rename-pod",
                "only serverless indexes can be renamed (through a backup); recs is not serverless",
                "none: keep the old name, or create the new index and move the records yourself",
            )
        ],
    }


def test_a_rename_from_or_to_a_pod_or_byoc_index_is_blocked() -> None:
    for old, new in ((POD, None), (None, POD), (BYOC, None), (None, BYOC)):
        desired = desired_state(project(), renamed(index(name="recs-v2", deployment=new), "recs"))
        live = live_state(project(), owned(index(name="recs", deployment=old)))

        change = only_change(plan(desired, live, SETTINGS))

        assert "rename-pod" in block_rules(change), (old, new)


def test_declarate_s_own_key_in_a_renamed_project_stays_untouched_under_the_new_name() -> None:
    own_key = api_key("a", "declarate-key")
    prune_keys = {"project/b": ScopeDirectives(prune_api_keys=True)}
    desired = desired_state(renamed(project("b"), "a"), directives=prune_keys)
    live = live_state(project("a"), own_key, protected=[own_key.address])

    result = plan(desired, live, SETTINGS)

    assert actions(result.changes) == [("project/b", "rename")]


def test_the_bindings_of_a_renamed_service_account_move_with_it() -> None:
    desired = desired_state(
        project(),
        renamed(service_account("deployer"), "ci"),
        binding("a", "deployer"),
        scopes={"organization"},
    )
    live = live_state(
        project(), service_account("ci"), binding("a", "ci"), scopes={"project/a", "organization"}
    )

    assert actions(plan(desired, live, SETTINGS).changes) == [("service-account/deployer", "rename")]


def test_a_renamed_project_moves_the_bindings_of_accounts_that_keep_their_names() -> None:
    desired = desired_state(
        renamed(project("b"), "a"), service_account("ci"), binding("b", "ci"), scopes={"organization"}
    )
    live = live_state(
        project("a"), service_account("ci"), binding("a", "ci"), scopes={"project/a", "organization"}
    )

    assert actions(plan(desired, live, SETTINGS).changes) == [("project/b", "rename")]


def test_a_declaration_renamed_from_its_own_name_is_no_rename() -> None:
    desired = desired_state(project(), renamed(index(), "recs"))

    assert plan(desired, live_state(project(), owned(index())), SETTINGS).changes == ()


def test_an_index_rename_never_moves_a_project_that_shares_the_index_s_old_name() -> None:
    desired = desired_state(
        project("a"), project("recs"), renamed(index("a", "recs-v2"), "recs"), index("recs", "x")
    )
    live = live_state(project("a"), project("recs"), owned(index("a", "recs")), owned(index("recs", "x")))

    assert actions(plan(desired, live, SETTINGS).changes) == [("project/a/index/recs-v2", "rename")]


def test_a_project_rename_blocked_because_both_names_are_live_moves_nothing() -> None:
    desired = desired_state(renamed(project("b"), "a"), index("b", "recs"))
    live = live_state(project("a"), project("b"), owned(index("a", "recs")), owned(index("b", "recs")))

    result = plan(desired, live, SETTINGS)

    assert [(str(c.address), c.action.value, bool(c.blocks)) for c in result.changes] == [
        ("project/b", "rename", True)
    ]
