"""`ensure: unmanaged` in the config: accepted on every kind, recorded with its position, never desired,
and refused inside a project that is `ensure: absent`."""

from __future__ import annotations

from declarate.config.pipeline import load_config
from declarate.diagnostics import Severity
from declarate.model.address import Address, PrincipalType

from .conftest import WriteConfig

EVERY_KIND = """\
kind: Project
name: team
indexes:
  - name: kept
    dimension: 8
  - name: legacy
    ensure: unmanaged
    dimension: 8
  - {name: bare, ensure: unmanaged}
api_keys:
  - {name: batch, ensure: unmanaged, roles: [ProjectEditor]}
role_bindings:
  - {user: bob@example.com, role: ProjectEditor, ensure: unmanaged}
---
kind: Project
name: old
ensure: unmanaged
indexes:
  - {name: anything, dimension: 8}
---
kind: Organization
service_accounts:
  - {name: legacy-ci, ensure: unmanaged}
role_bindings:
  - {service_account: legacy-ci, role: OrgMember, ensure: unmanaged}
"""


def test_every_kind_may_be_declared_unmanaged_and_is_recorded_where_it_says_so(
    write_config: WriteConfig,
) -> None:
    config = load_config([write_config({"team.yaml": EVERY_KIND})], env={})

    assert [d for d in config.diagnostics if d.severity is Severity.ERROR] == []
    let_go = {str(a): (o.line, o.column) for a, o in config.desired.unmanaged.items()}
    # Each at its `unmanaged` value, as a diagnostic would point at it.
    assert let_go == {
        "project/team/index/legacy": (7, 13),
        "project/team/index/bare": (9, 26),
        "project/team/api-key/batch": (11, 27),
        "project/team/role-binding/user:bob@example.com/ProjectEditor": (13, 58),
        "project/old": (17, 9),
        "service-account/legacy-ci": (23, 31),
        "organization/role-binding/service-account:legacy-ci/OrgMember": (25, 59),
    }


def test_objects_declared_unmanaged_are_not_desired(write_config: WriteConfig) -> None:
    config = load_config([write_config({"team.yaml": EVERY_KIND})], env={})
    desired = config.desired

    assert sorted(str(r.address) for r in desired) == ["project/team", "project/team/index/kept"]
    # The unmanaged project is still read whole (its owned indexes lose their tag), its content ignored.
    assert "project/old" in desired.scopes and desired.directives_for("project/old").unmanaged
    assert Address.index("old", "anything") not in desired.unmanaged
    # An unmanaged binding is no declaration of its principal's roles: it implies no membership.
    assert Address.role_binding(None, PrincipalType.USER, "bob@example.com", "OrgMember") not in desired


def test_unmanaging_inside_a_project_that_is_deleted_is_an_error_at_the_item(
    write_config: WriteConfig,
) -> None:
    root = write_config(
        {
            "old.yaml": "kind: Project\nname: old\nensure: absent\nindexes:\n"
            "  - name: legacy\n    ensure: unmanaged\napi_keys:\n  - {name: batch, ensure: unmanaged}\n"
        }
    )
    config = load_config([root], env={})

    errors = [d for d in config.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.path, d.origin.line if d.origin else None) for d in errors] == [
        ("rules.unmanaged_in_absent", "indexes[0].ensure", 6),
        ("rules.unmanaged_in_absent", "api_keys[0].ensure", 8),
    ]
    assert "the project is ensure: absent" in errors[0].message
    assert not config.ok


def test_an_unknown_ensure_value_on_an_item_names_the_choices(write_config: WriteConfig) -> None:
    root = write_config({"p.yaml": "kind: Project\nname: p\napi_keys:\n  - {name: k, ensure: gone}\n"})

    (error,) = [d for d in load_config([root], env={}).diagnostics if d.severity is Severity.ERROR]

    assert "expected one of present, unmanaged, found 'gone'" in error.message


ABSENT_INDEX = """\
kind: Project
name: team
indexes:
  - {name: kept, dimension: 8}
  - {name: retired, ensure: absent}
  - name: moved
    renamed_from: old-name
    ensure: absent
"""


def test_an_index_declared_absent_needs_only_its_name_and_is_recorded_not_desired(
    write_config: WriteConfig,
) -> None:
    config = load_config([write_config({"team.yaml": ABSENT_INDEX.split("  - name: moved")[0]})], env={})

    assert [d for d in config.diagnostics if d.severity is Severity.ERROR] == []
    assert {str(a): (o.line, o.column) for a, o in config.desired.absent.items()} == {
        "project/team/index/retired": (5, 29)
    }
    assert Address.index("team", "retired") not in config.desired
    assert Address.index("team", "kept") in config.desired


def test_an_index_cannot_be_renamed_and_absent(write_config: WriteConfig) -> None:
    config = load_config([write_config({"team.yaml": ABSENT_INDEX})], env={})

    errors = [d for d in config.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.origin.line if d.origin else None, d.message) for d in errors] == [
        ("rules.renamed_from_absent", 7, "ensure: absent deletes the index: it cannot be renamed as well")
    ]


SCHEDULES = """\
kind: Project
name: team
indexes:
  - name: recs
    dimension: 8
    backup_schedules:
      - {name: nightly, frequency: daily, retain_days: 7}
      - {name: legacy, ensure: unmanaged}
"""


def test_a_backup_schedule_may_be_declared_unmanaged_with_only_its_name(write_config: WriteConfig) -> None:
    config = load_config([write_config({"team.yaml": SCHEDULES})], env={})

    # Valid, and not a second enabled schedule (which the API would refuse): it is not declarate's to run.
    assert [d for d in config.diagnostics if d.severity is Severity.ERROR] == []
    legacy = Address.backup_schedule("team", "recs", "legacy")
    assert {str(a): o.line for a, o in config.desired.unmanaged.items()} == {str(legacy): 8}
    assert legacy not in config.desired
    assert Address.backup_schedule("team", "recs", "nightly") in config.desired


def test_a_managed_backup_schedule_still_needs_its_frequency_and_retention(write_config: WriteConfig) -> None:
    bare = SCHEDULES.replace("{name: legacy, ensure: unmanaged}", "{name: legacy}")

    config = load_config([write_config({"team.yaml": bare})], env={})

    errors = [d for d in config.diagnostics if d.severity is Severity.ERROR]
    assert errors and all(d.origin is not None and d.origin.line == 8 for d in errors)
    assert any("frequency" in d.message for d in errors)
