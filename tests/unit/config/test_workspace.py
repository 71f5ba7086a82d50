"""Workspace settings: declarate.yaml -> Settings, keeping safe defaults when a value is unusable."""

from __future__ import annotations

from declarate.config.workspace import settings_from
from declarate.diagnostics import Severity
from declarate.model.settings import Policies, Safety, Settings

from .conftest import LoadDocs


def test_without_a_workspace_the_defaults_apply(load_docs: LoadDocs) -> None:
    settings, problems = settings_from(load_docs("kind: Project\nname: p\n"))
    assert settings == Settings() and problems == []
    assert dict(settings.ownership_tag) == {"managed-by": "declarate"}
    assert settings.safety == Safety(max_delete_fraction=0.3, min_existing=10, delete_all_min_existing=2)


def test_every_workspace_setting_is_read(load_docs: LoadDocs) -> None:
    docs = load_docs(
        {
            "declarate.yaml": """\
            kind: Workspace
            ownership_tag: {key: owner, value: platform-team}
            safety:
              max_delete_fraction: 0.5
              min_existing: 4
              delete_all_min_existing: 0
            policies:
              require_deletion_protection: {tags: {env: prod}}
              forbid_roles: [ProjectEditor]
              max_indexes_per_project: 20
            """
        }
    )
    settings, problems = settings_from(docs)
    assert problems == []
    assert settings == Settings(
        ownership_tag_key="owner",
        ownership_tag_value="platform-team",
        safety=Safety(max_delete_fraction=0.5, min_existing=4, delete_all_min_existing=0),
        policies=Policies(
            require_deletion_protection={"env": "prod"},
            forbid_roles=("ProjectEditor",),
            max_indexes_per_project=20,
        ),
    )


def test_require_deletion_protection_without_tags_applies_to_every_index(load_docs: LoadDocs) -> None:
    for spelling in ("true", "{}", "{tags: {}}"):
        docs = load_docs(
            {"declarate.yaml": f"kind: Workspace\npolicies: {{require_deletion_protection: {spelling}}}\n"}
        )
        settings, _ = settings_from(docs)
        assert settings.policies.require_deletion_protection == {}, spelling


def test_an_invalid_ownership_tag_is_an_error_and_the_default_tag_is_kept(load_docs: LoadDocs) -> None:
    docs = load_docs(
        {"declarate.yaml": "kind: Workspace\nownership_tag:\n  key: 'managed by'\n  value: me\n"}
    )
    settings, problems = settings_from(docs)
    assert [p.code for p in problems] == ["workspace.ownership_tag"]
    assert problems[0].origin is not None and problems[0].origin.line == 3
    assert "found 'managed by'" in problems[0].message
    assert dict(settings.ownership_tag) == {"managed-by": "declarate"}


def test_an_empty_ownership_tag_value_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"declarate.yaml": "kind: Workspace\nownership_tag: {key: owner, value: ''}\n"})
    settings, problems = settings_from(docs)
    assert [p.path for p in problems] == ["ownership_tag.value"]
    assert settings.ownership_tag_key == "managed-by"


def test_a_max_delete_fraction_outside_0_to_1_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"declarate.yaml": "kind: Workspace\nsafety: {max_delete_fraction: 1.5}\n"})
    settings, problems = settings_from(docs)
    assert problems[0].message == "max_delete_fraction must be a number from 0 to 1; found 1.5"
    assert settings.safety.max_delete_fraction == 0.3


def test_forbidding_a_role_no_api_key_can_hold_is_a_warning(load_docs: LoadDocs) -> None:
    docs = load_docs(
        {"declarate.yaml": "kind: Workspace\npolicies: {forbid_roles: [ProjectEditr, OrgOwner]}\n"}
    )
    settings, problems = settings_from(docs)
    assert [p.severity for p in problems] == [Severity.WARNING, Severity.WARNING]
    assert problems[0].hint == "did you mean 'ProjectEditor'?"
    assert settings.policies.forbid_roles == ("ProjectEditr", "OrgOwner")


def test_a_negative_max_indexes_per_project_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"declarate.yaml": "kind: Workspace\npolicies: {max_indexes_per_project: -1}\n"})
    _, problems = settings_from(docs)
    assert problems[0].code == "workspace.policies" and problems[0].path == "policies.max_indexes_per_project"


def test_safety_counts_must_be_whole_numbers_and_keep_the_default_otherwise(load_docs: LoadDocs) -> None:
    docs = load_docs(
        {"declarate.yaml": "kind: Workspace\nsafety: {min_existing: -1, delete_all_min_existing: true}\n"}
    )
    settings, problems = settings_from(docs)
    assert [p.message for p in problems] == [
        "min_existing must be a whole number from 0 to 1000000; found -1",
        "delete_all_min_existing must be a whole number from 0 to 1000000; found True",
    ]
    assert settings.safety == Safety()
