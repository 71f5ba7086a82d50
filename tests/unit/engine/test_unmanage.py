"""`ensure: unmanaged` (DESIGN §9.6, Terraform's `removed`): declarate lets go of an object, never deletes it.

An owned index loses its ownership tag in one `unmanage` change; every other object declared unmanaged
is reported as unmanaged and never pruned; once let go, nothing is planned for it, and an object that
is not live gets a note instead of a change.
"""

from __future__ import annotations

from collections.abc import Mapping

from declarate.engine import plan
from declarate.model.address import Address, PrincipalType
from declarate.model.plan import Action, Plan
from declarate.model.resource import Origin
from declarate.model.settings import Overrides, Policies, Settings
from declarate.model.state import ScopeDirectives, State

from .builders import (
    SETTINGS,
    actions,
    api_key,
    binding,
    desired_state,
    index,
    live_state,
    org_binding,
    owned,
    project,
    service_account,
)

HERE = Origin("projects/a.yaml", 12, 13)
PRUNE_ALL = ScopeDirectives(prune_api_keys=True, prune_role_bindings=True, prune_service_accounts=True)


def letting_go(state: State, *addresses: Address, origin: Origin = HERE) -> State:
    """`state` with these objects declared `ensure: unmanaged`, as normalization records them."""
    return State.of(list(state), state.scopes, state.directives, unmanaged=dict.fromkeys(addresses, origin))


def reasons(result: Plan) -> Mapping[str, str]:
    return {str(u.address): u.reason for u in result.unmanaged}


def test_an_owned_index_declared_unmanaged_loses_only_its_ownership_tag() -> None:
    legacy = index(name="legacy", tags={"team": "a"})
    # Live differs from the old declaration too: none of it is reconciled any more.
    live = live_state(project(), owned(index(name="legacy", tags={"team": "a"}, protection="enabled")))
    desired = letting_go(desired_state(project()), legacy.address)

    result = plan(desired, live, SETTINGS)

    (change,) = result.changes
    assert change.action is Action.UNMANAGE
    assert change.address == legacy.address
    assert [(f.path, f.before, f.after) for f in change.fields] == [("tags.managed-by", "declarate", None)]
    assert change.after is not None and change.before is not None
    assert change.after["tags"] == {"team": "a"}
    assert {k: v for k, v in change.after.items() if k != "tags"} == {
        k: v for k, v in change.before.items() if k != "tags"
    }
    assert change.source == HERE and change.fields[0].source == HERE
    assert change.blocked is None
    assert "removes its ownership tag managed-by=declarate" in change.reason
    assert result.has_changes
    assert result.summary()["unmanage"] == 1
    assert result.unmanaged == ()


def test_once_untagged_an_index_declared_unmanaged_is_reported_not_changed() -> None:
    legacy = index(name="legacy")
    desired = letting_go(desired_state(project()), legacy.address)

    result = plan(desired, live_state(project(), legacy), SETTINGS)

    assert result.changes == ()
    assert not result.has_changes
    assert reasons(result) == {
        "project/a/index/legacy": "declared ensure: unmanaged at projects/a.yaml:12:13: "
        "declarate no longer manages it"
    }


def test_an_index_tagged_for_another_owner_is_never_untagged() -> None:
    other = index(name="legacy", tags={"managed-by": "terraform"})
    desired = letting_go(desired_state(project()), other.address)

    result = plan(desired, live_state(project(), other), SETTINGS)

    assert result.changes == ()
    assert list(reasons(result)) == ["project/a/index/legacy"]


def test_removing_the_declaration_of_a_let_go_index_changes_nothing() -> None:
    result = plan(desired_state(project()), live_state(project(), index(name="legacy")), SETTINGS)

    assert result.changes == ()
    assert list(reasons(result)) == ["project/a/index/legacy"]


def test_a_key_declared_unmanaged_is_not_pruned_and_the_plan_says_to_keep_the_declaration() -> None:
    key = api_key(name="batch")
    desired = letting_go(desired_state(project(), directives={"project/a": PRUNE_ALL}), key.address)

    result = plan(desired, live_state(project(), key), SETTINGS)

    assert result.changes == ()
    assert reasons(result)["project/a/api-key/batch"] == (
        "declared ensure: unmanaged at projects/a.yaml:12:13: declarate no longer manages it; keep this "
        "declaration: project/a sets prune.api_keys: true, so without it the object would be deleted"
    )


def test_a_key_declared_unmanaged_where_nothing_is_pruned_needs_no_hint_to_keep_it() -> None:
    key = api_key(name="batch")
    desired = letting_go(desired_state(project()), key.address)

    result = plan(desired, live_state(project(), key), SETTINGS)

    assert result.changes == ()
    assert reasons(result)["project/a/api-key/batch"] == (
        "declared ensure: unmanaged at projects/a.yaml:12:13: declarate no longer manages it"
    )


def test_a_binding_of_a_principal_the_scope_names_is_not_deleted_when_declared_unmanaged() -> None:
    viewer = binding(role="ProjectViewer")
    editor = binding(role="ProjectEditor")
    desired = letting_go(desired_state(project(), viewer), editor.address)

    result = plan(desired, live_state(project(), viewer, editor), SETTINGS)

    assert result.changes == ()
    assert (
        "service-account:ci is named in the role bindings of project/a"
        in reasons(result)[str(editor.address)]
    )


def test_an_unmanaged_binding_does_not_make_its_principal_authoritative() -> None:
    editor = binding(principal="bob@example.com", role="ProjectEditor", principal_type=PrincipalType.USER)
    viewer = binding(principal="bob@example.com", role="ProjectViewer", principal_type=PrincipalType.USER)
    desired = letting_go(desired_state(project()), editor.address)

    result = plan(desired, live_state(project(), editor, viewer), SETTINGS)

    assert result.changes == ()
    assert set(reasons(result)) == {str(editor.address), str(viewer.address)}


def test_a_service_account_declared_unmanaged_is_not_pruned() -> None:
    account = service_account("legacy-ci")
    desired = letting_go(
        desired_state(org_binding("ci"), directives={"organization": PRUNE_ALL}), account.address
    )

    result = plan(desired, live_state(org_binding("ci"), account), SETTINGS)

    assert result.changes == ()
    assert "prune.service_accounts: true" in reasons(result)["service-account/legacy-ci"]


def test_a_project_declared_unmanaged_lets_go_of_everything_in_it_and_deletes_nothing() -> None:
    tagged = owned(index(name="tagged"))
    untagged = index(name="untagged")
    key = api_key(name="svc")
    viewer = binding()
    directives = {"project/a": ScopeDirectives(unmanaged=True, prune_api_keys=True, prune_role_bindings=True)}
    desired = letting_go(desired_state(directives=directives), project().address)

    result = plan(desired, live_state(project(), tagged, untagged, key, viewer), SETTINGS)

    assert actions(result.changes) == [("project/a/index/tagged", "unmanage")]
    assert set(reasons(result)) == {
        "project/a",
        "project/a/index/untagged",
        "project/a/api-key/svc",
        str(viewer.address),
    }


def test_an_object_declared_unmanaged_that_is_not_live_is_a_note_not_a_change() -> None:
    missing = Address.api_key("a", "gone")
    desired = letting_go(desired_state(project()), missing, Address.project_("old"))

    result = plan(desired, live_state(project()), SETTINGS)

    assert result.changes == () and result.unmanaged == ()
    assert [(str(n.address), n.message, n.source) for n in result.notes] == [
        (
            "project/a/api-key/gone",
            "declared ensure: unmanaged, and not found live: nothing to unmanage",
            HERE,
        ),
        ("project/old", "declared ensure: unmanaged, and not found live: nothing to unmanage", HERE),
    ]


def test_no_note_where_live_state_cannot_tell_whether_the_object_exists() -> None:
    desired = letting_go(desired_state(project()), Address.api_key("a", "gone"))

    result = plan(desired, live_state(project(), scopes=()), SETTINGS)

    assert result.notes == ()


def test_objects_declared_unmanaged_do_not_count_as_owned_for_mass_deletion() -> None:
    # The two undeclared owned indexes are all declarate still owns: deleting both is `delete-all`.
    # Counting the two being let go would make it 2 of 4 and let the deletes through.
    going = [owned(index(name=f"old-{i}")) for i in range(2)]
    released = [owned(index(name=f"released-{i}")) for i in range(2)]
    desired = letting_go(desired_state(project()), *(r.address for r in released))

    result = plan(desired, live_state(project(), *going, *released), SETTINGS)

    deletes = [c for c in result.changes if c.action is Action.DELETE]
    assert [str(c.address) for c in deletes] == ["project/a/index/old-0", "project/a/index/old-1"]
    assert [[b.rule for b in c.blocks] for c in deletes] == [["delete-all"], ["delete-all"]]
    assert deletes[0].blocks[0].message == "this plan deletes all 2 indexes declarate owns in project/a"


def test_only_selects_unmanage_changes_and_notes_like_any_other() -> None:
    tagged = owned(index(name="tagged"))
    desired = letting_go(desired_state(project()), tagged.address, Address.api_key("a", "gone"))
    live = live_state(project(), tagged)

    inside = plan(desired, live, SETTINGS, Overrides(only=("project/a/index",)))
    outside = plan(desired, live, SETTINGS, Overrides(only=("project/a/api-key",)))

    assert actions(inside.changes) == [("project/a/index/tagged", "unmanage")] and inside.notes == ()
    assert outside.changes == () and outside.left_out == 1
    assert [str(n.address) for n in outside.notes] == ["project/a/api-key/gone"]


def test_a_deletion_protection_policy_never_blocks_letting_go_of_an_index() -> None:
    settings = Settings(policies=Policies(require_deletion_protection={}))
    tagged = owned(index(name="tagged"))
    desired = letting_go(desired_state(project()), tagged.address)

    (change,) = plan(desired, live_state(project(), tagged), settings).changes

    assert change.action is Action.UNMANAGE and change.blocks == ()


def test_declarate_own_objects_stay_untouched_even_when_declared_unmanaged() -> None:
    own = binding(principal="declarate-bot", role="ProjectOwner")
    desired = letting_go(desired_state(project()), own.address)

    result = plan(desired, live_state(project(), own, protected=[own.address]), SETTINGS)

    assert result.changes == () and result.unmanaged == () and result.notes == ()


def test_unmanage_runs_before_deletes_with_the_other_in_place_changes() -> None:
    tagged = owned(index(name="tagged"))
    stale = owned(index(name="stale"))
    desired = letting_go(desired_state(project(), index(name="new")), tagged.address)

    result = plan(desired, live_state(project(), tagged, stale), SETTINGS)

    assert actions(result.changes) == [
        ("project/a/index/new", "create"),
        ("project/a/index/tagged", "unmanage"),
        ("project/a/index/stale", "delete"),
    ]


def test_letting_go_of_an_owned_index_says_why_in_the_change_and_in_its_one_field() -> None:
    tagged = owned(index(name="tagged"))
    desired = letting_go(desired_state(project()), tagged.address)

    (change,) = plan(desired, live_state(project(), tagged), SETTINGS).changes

    assert change.reason == (
        "declared ensure: unmanaged: declarate removes its ownership tag managed-by=declarate and never "
        "changes or deletes the index again"
    )
    assert [f.reason for f in change.fields] == [
        "ensure: unmanaged: without the ownership tag declarate never changes or deletes the index"
    ]


def test_a_project_declared_unmanaged_names_its_own_position_for_each_object_in_it() -> None:
    # Objects inside the project are let go by the project's declaration: each points at it, and
    # none gets a "keep this declaration" hint (the project's own, not theirs, keeps them).
    at_project = Origin("projects/a.yaml", 3, 9)
    directives = {
        "project/a": ScopeDirectives(
            unmanaged=True, prune_api_keys=True, prune_role_bindings=True, origin=at_project
        )
    }
    desired = letting_go(desired_state(directives=directives), project().address)
    tagged = owned(index(name="tagged"))
    live = live_state(project(), tagged, index(name="untagged"), api_key(name="svc"), binding())

    result = plan(desired, live, SETTINGS)

    (change,) = result.changes
    assert change.source == at_project and change.fields[0].source == at_project
    let_go = "declared ensure: unmanaged at projects/a.yaml:3:9: declarate no longer manages it"
    assert reasons(result) == {
        "project/a": "declared ensure: unmanaged at projects/a.yaml:12:13: declarate no longer manages it",
        "project/a/index/untagged": let_go,
        "project/a/api-key/svc": let_go,
        str(binding().address): let_go,
    }


def test_an_object_let_go_without_a_known_position_says_only_that_it_was_declared_unmanaged() -> None:
    desired = desired_state(directives={"project/a": ScopeDirectives(unmanaged=True)})

    result = plan(desired, live_state(project(), api_key(name="svc")), SETTINGS)

    assert reasons(result)["project/a/api-key/svc"] == (
        "declared ensure: unmanaged: declarate no longer manages it"
    )


def test_notes_come_in_address_order_past_objects_that_are_live() -> None:
    # Declared unmanaged in reverse order, the first in address order live; declared absent, one
    # live (deleted: no note) and two that are not, in reverse order.
    live_key = api_key("b", "aa")
    unmanaged = [Address.api_key("c", "yy"), Address.index("b", "zz"), live_key.address]
    # In text order `project/b-c/...` comes before `project/b/...` ('-' sorts before '/').
    absent = [Address.index("b", "x2"), Address.index("b", "x1"), Address.index("b-c", "x3")]
    absent.append(Address.index("b", "gone-live"))
    desired = State.of(
        list(desired_state(project("b"), project("c"), project("b-c"))),
        {"project/b", "project/c", "project/b-c"},
        unmanaged=dict.fromkeys(unmanaged, HERE),
        absent=dict.fromkeys(absent, HERE),
    )
    live = live_state(project("b"), project("c"), project("b-c"), live_key, owned(index("b", "gone-live")))

    result = plan(desired, live, SETTINGS)

    assert [(str(n.address), n.message.rpartition(": ")[2]) for n in result.notes] == [
        ("project/b/index/zz", "nothing to unmanage"),
        ("project/c/api-key/yy", "nothing to unmanage"),
        ("project/b-c/index/x3", "nothing to delete"),
        ("project/b/index/x1", "nothing to delete"),
        ("project/b/index/x2", "nothing to delete"),
    ]
