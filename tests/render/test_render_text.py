"""The human plan reads like Terraform's: grouped by project, one symbol per action, blocks called out."""

from __future__ import annotations

import re

from render_fixtures import full_plan

from declarate.model.address import Address, PrincipalType
from declarate.model.plan import Action, Block, Change, FieldDiff, Plan, Unmanaged
from declarate.render.text import render_plan_text

ANSI = re.compile(r"\x1b\[")


def test_plain_text_has_no_escape_codes() -> None:
    assert not ANSI.search(render_plan_text(full_plan(), color=False))
    assert "\x1b" not in render_plan_text(Plan(), color=False)


def test_colored_text_has_escape_codes_and_the_same_words() -> None:
    colored = render_plan_text(full_plan(), color=True)
    assert ANSI.search(colored)
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", colored)
    assert stripped == render_plan_text(full_plan(), color=False)


def test_an_empty_plan_says_live_state_matches() -> None:
    assert render_plan_text(Plan(), color=False) == "No changes. Live state matches the config."


def test_a_plan_with_only_unmanaged_objects_has_no_changes_but_lists_them() -> None:
    plan = Plan(unmanaged=(Unmanaged(Address.project_("sandbox"), "no document declares it"),))
    text = render_plan_text(plan, color=False)
    assert text.startswith("No changes. Live state matches the config.")
    assert "project/sandbox  no document declares it" in text
    assert "reported only, never touched" in text
    assert text.splitlines()[-1] == plan.summary_line()


def test_the_last_line_is_the_plan_summary_line() -> None:
    plan = full_plan()
    assert render_plan_text(plan, color=False).splitlines()[-1] == plan.summary_line()
    assert plan.summary_line() == (
        "Plan: 3 to create, 2 to update, 1 to replace, 2 to delete, 1 to adopt. 2 blocked. 2 unmanaged."
    )


def test_every_action_has_its_symbol_before_the_address() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert "  + project/apparel-team/index/apparel-recs\n" in text
    assert "  ~ project/apparel-team/api-key/recs-service\n" in text
    assert "  ~ project/apparel-team/index/apparel-search (adopt)\n" in text
    assert "  -/+ project/apparel-team/index/legacy-recs (replace)\n" in text
    assert "  - project/apparel-team/index/archive\n" in text


def test_changes_are_grouped_by_project_scope_in_plan_order() -> None:
    a_key = Address.api_key("a", "k")
    org_account = Address.service_account("ci")
    b_index = Address.index("b", "i")
    a_binding = Address.role_binding("a", PrincipalType.USER, "x@example.com", "ProjectViewer")
    plan = Plan(
        changes=tuple(
            Change(address, Action.CREATE, reason="new")
            for address in (a_key, org_account, b_index, a_binding)
        )
    )
    lines = render_plan_text(plan, color=False).splitlines()
    headings = [line for line in lines if line.endswith(":") and not line.startswith(" ")]
    assert headings == [
        "declarate will perform the following actions:",
        "project/a:",
        "organization:",
        "project/b:",
    ]
    scope_a = lines[lines.index("project/a:") : lines.index("organization:")]
    assert any(str(a_binding) in line for line in scope_a)


def test_each_change_shows_its_reason_and_source_line() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert (
        "  ~ project/apparel-team/index/apparel-search (adopt)\n"
        "      exists live without the ownership tag: adopted in place, never recreated\n"
        "      source: projects/apparel-team.yaml:14\n"
    ) in text


def test_field_diffs_show_live_then_desired_values_as_json() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert '      tags.team: "search" -> "apparel"  (projects/apparel-team.yaml:19)' in text
    assert '      roles: ["DataPlaneViewer"] -> ["DataPlaneEditor"]' in text
    assert '      tags.managed-by: (none) -> "declarate"' in text


def test_a_replace_class_field_says_why_and_an_in_place_field_does_not() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert (
        "      dimension: 768 -> 1536  (projects/apparel-team.yaml:31)\n"
        "        # dimension is immutable: replacing the index deletes all its vectors\n"
    ) in text
    assert "tags can be changed in place" not in text


def test_a_field_shows_under_the_path_the_config_wrote_and_defaults_stand_apart() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert "schema.fields._values.dimension" not in text  # the config wrote `dimension`
    assert (
        "      defaults (not in the config):\n"
        '        deletion_protection: "enabled" -> "disabled"\n'
        "      BLOCKED (replace)"
    ) in text


def test_a_blocked_change_shows_its_rule_message_and_exact_override() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert (
        "      BLOCKED (deletion_protection): project/apparel-team/index/archive has deletion protection enabled\n"
        "        override: disable deletion protection on the index first"
    ) in text


def test_a_create_lists_its_desired_attributes() -> None:
    text = render_plan_text(full_plan(), color=False)
    assert '      + deletion_protection: "enabled"' in text
    assert '      + tags: {"team": "apparel", "managed-by": "declarate"}' in text


def test_long_values_are_elided_and_say_how_long_they_were() -> None:
    long_value = {"description": "x" * 500}
    plan = Plan(
        changes=(
            Change(
                Address.index("p", "i"),
                Action.UPDATE,
                fields=(FieldDiff("read_capacity", long_value, {"mode": "OnDemand"}, "in place"),),
                blocks=(Block("policy", "m", "o"),),
            ),
        )
    )
    text = render_plan_text(plan, color=False)
    assert "x" * 200 not in text
    assert "... (519 chars) -> " in text
    assert '{"mode": "OnDemand"}' in text
