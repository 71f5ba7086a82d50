"""`renamed_from` in config: read into the desired state, its mistakes reported at file:line, overlays."""

from __future__ import annotations

from pathlib import Path

from declarate.config.pipeline import LoadedConfig, load_config
from declarate.diagnostics import Severity
from declarate.model.address import Address

from .conftest import WriteConfig

PROJECT = """\
kind: Project
name: search
renamed_from: search-old
indexes:
  - name: products-v2
    renamed_from: products
    keep_backup: true
    dimension: 8
    spec:
      serverless: {cloud: aws, region: us-east-1}
api_keys:
  - name: reader-v2
    renamed_from: reader
---
kind: Organization
service_accounts:
  - name: deployer
    renamed_from: ci
"""


def _errors(config: LoadedConfig) -> list[tuple[str, str]]:
    """(code, file:line) of every error."""
    return [
        (d.code, f"{Path(d.origin.file).name}:{d.origin.line}" if d.origin else "")
        for d in config.diagnostics
        if d.severity is Severity.ERROR
    ]


def _load(write_config: WriteConfig, text: str) -> LoadedConfig:
    return load_config([write_config({"search.yaml": text})], env={})


def test_renamed_from_is_read_on_every_kind_that_can_be_renamed(write_config: WriteConfig) -> None:
    config = _load(write_config, PROJECT)
    assert _errors(config) == []

    def directives(address: Address) -> tuple[str | None, bool]:
        resource = config.desired.get(address)
        assert resource is not None
        return resource.directives.renamed_from, resource.directives.keep_backup

    assert directives(Address.project_("search")) == ("search-old", False)
    assert directives(Address.index("search", "products-v2")) == ("products", True)
    assert directives(Address.api_key("search", "reader-v2")) == ("reader", False)
    assert directives(Address.service_account("deployer")) == ("ci", False)


def test_a_declaration_renamed_from_itself_is_an_error_at_its_line(write_config: WriteConfig) -> None:
    config = _load(write_config, PROJECT.replace("renamed_from: reader", "renamed_from: reader-v2"))
    assert _errors(config) == [("rules.renamed_from_self", "search.yaml:13")]


def test_two_declarations_renamed_from_one_name_are_an_error_at_the_second(write_config: WriteConfig) -> None:
    text = PROJECT.replace("api_keys:\n", "api_keys:\n  - name: reader-v3\n    renamed_from: reader\n")
    config = _load(write_config, text)
    assert _errors(config) == [("rules.renamed_from_twice", "search.yaml:15")]
    assert "the first is at" in str(config.diagnostics[0])


def test_renamed_from_a_name_the_config_still_declares_is_an_error(write_config: WriteConfig) -> None:
    text = PROJECT.replace("api_keys:\n", "api_keys:\n  - name: reader\n")
    config = _load(write_config, text)
    assert _errors(config) == [("rules.renamed_from_declared", "search.yaml:14")]


def test_a_project_renamed_from_another_declared_project_is_an_error(write_config: WriteConfig) -> None:
    root = write_config({"search.yaml": PROJECT, "old.yaml": "kind: Project\nname: search-old\n"})
    config = load_config([root], env={})
    assert [code for code, _ in _errors(config)] == ["rules.renamed_from_declared"]


def test_an_index_name_renamed_from_must_follow_the_index_name_rules(write_config: WriteConfig) -> None:
    config = _load(write_config, PROJECT.replace("renamed_from: products", "renamed_from: Products_1"))
    assert [code for code, _ in _errors(config)] == ["schema.pattern"]


def test_keep_backup_without_a_rename_is_an_error(write_config: WriteConfig) -> None:
    config = _load(write_config, PROJECT.replace("    renamed_from: products\n", ""))
    assert _errors(config) == [("rules.keep_backup_without_rename", "search.yaml:6")]


def test_renamed_from_is_refused_where_it_means_nothing(write_config: WriteConfig) -> None:
    text = PROJECT.replace("name: search\n", "name: search\nensure: absent\n", 1).split("indexes:")[0]
    config = _load(write_config, text)
    assert [code for code, _ in _errors(config)] == ["rules.renamed_from_absent"]


def test_an_api_key_renamed_from_a_name_with_a_slash_keeps_it_as_written(write_config: WriteConfig) -> None:
    # `/` is allowed in a key's name: an old name that names no other declared project is a name.
    config = _load(write_config, PROJECT.replace("renamed_from: reader", "renamed_from: ops/reader"))
    assert _errors(config) == []
    key = config.desired.get(Address.api_key("search", "reader-v2"))
    assert key is not None and key.directives.renamed_from == "ops/reader"


def test_an_api_key_renamed_from_another_project_s_key_address_is_an_error_at_its_line(
    write_config: WriteConfig,
) -> None:
    # Looked for in project search as written, it would never be found, and the plan would create a
    # new key: a key never moves between projects, so say so where it is written.
    root = write_config(
        {
            "search.yaml": PROJECT.replace(
                "renamed_from: reader", "renamed_from: project/billing/api-key/reader"
            ),
            "billing.yaml": "kind: Project\nname: billing\n",
        }
    )
    config = load_config([root], env={})
    assert _errors(config) == [("rules.renamed_from_other_project", "search.yaml:13")]
    (problem,) = config.diagnostics
    assert "API key 'reader' of project 'billing'" in problem.message
    assert problem.hint is not None and "cannot move between projects" in problem.hint


def test_an_api_key_renamed_from_a_name_that_reads_as_another_project_s_key_is_warned_not_refused(
    write_config: WriteConfig,
) -> None:
    # `billing/reader` may be a key of project search named so (a key's name may hold `/`), so it is
    # kept as written; but it may also mean billing's key, which cannot move here: a warning says so.
    root = write_config(
        {
            "search.yaml": PROJECT.replace("renamed_from: reader", "renamed_from: billing/reader"),
            "billing.yaml": "kind: Project\nname: billing\n",
        }
    )
    config = load_config([root], env={})
    assert _errors(config) == []
    (problem,) = config.diagnostics
    assert (problem.code, problem.severity) == ("rules.renamed_from_other_project", Severity.WARNING)
    assert problem.origin is not None and problem.origin.line == 13
    assert "API key 'reader' of project 'billing'" in problem.message
    assert problem.hint is not None and "cannot move here" in problem.hint
    key = config.desired.get(Address.api_key("search", "reader-v2"))
    assert key is not None and key.directives.renamed_from == "billing/reader"


def test_renamed_from_written_as_an_address_is_an_error_naming_the_name_to_write(
    write_config: WriteConfig,
) -> None:
    text = (
        PROJECT.replace("renamed_from: search-old", "renamed_from: project/search-old")
        .replace("renamed_from: reader", "renamed_from: project/search/api-key/reader")
        .replace("renamed_from: ci", "renamed_from: service-account/ci")
    )
    config = _load(write_config, text)
    assert sorted(_errors(config)) == [
        ("rules.renamed_from_address", "search.yaml:13"),
        ("rules.renamed_from_address", "search.yaml:18"),
        ("rules.renamed_from_address", "search.yaml:3"),
    ]
    hints = sorted(str(d.hint) for d in config.diagnostics)
    assert hints == ["write renamed_from: ci", "write renamed_from: reader", "write renamed_from: search-old"]


WORKSPACE = """\
kind: Workspace
environments:
  staging: {}
  prod:
    overlays: [envs/prod]
"""


def test_an_overlay_can_add_or_remove_a_rename_per_environment(write_config: WriteConfig) -> None:
    # Environments are renamed one after the other: prod drops the rename it no longer needs, while
    # staging still has it; another overlay can rename only where it applies.
    overlay = "kind: Project\nname: search\nindexes:\n  - name: products-v2\n    renamed_from: null\n    keep_backup: null\n"
    root = write_config(
        {"declarate.yaml": WORKSPACE, "search.yaml": PROJECT, "envs/prod/search.yaml": overlay}
    )
    staging = load_config([root], env={}, environment="staging")
    prod = load_config([root], env={}, environment="prod")
    assert _errors(staging) == [] and _errors(prod) == []
    address = Address.index("search", "products-v2")
    staged, produced = staging.desired.get(address), prod.desired.get(address)
    assert staged is not None and staged.directives.renamed_from == "products"
    assert produced is not None and produced.directives.renamed_from is None


def test_an_overlay_that_patches_an_index_by_its_old_name_is_told_the_new_one(
    write_config: WriteConfig,
) -> None:
    overlay = "kind: Project\nname: search\nindexes:\n  - name: products\n    tags: {tier: gold}\n"
    root = write_config(
        {"declarate.yaml": WORKSPACE, "search.yaml": PROJECT, "envs/prod/search.yaml": overlay}
    )
    prod = load_config([root], env={}, environment="prod")
    (problem,) = [d for d in prod.diagnostics if d.severity is Severity.ERROR]
    assert problem.code == "overlay.no_base"
    assert problem.hint is not None and "'products-v2'" in problem.hint
