"""Environments in declarate.yaml: values with their types, overlays by identity, errors with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from declarate.config.pipeline import LoadedConfig, load_config
from declarate.diagnostics import Severity
from declarate.model.address import Address

from .conftest import WriteConfig

WORKSPACE = """\
kind: Workspace
environments:
  staging:
    values: {replicas: 1, protection: disabled, tier: staging, quoted: "3"}
  prod:
    credentials: {client_id_env: PROD_ID, client_secret_env: PROD_SECRET}
    values: {replicas: 3, protection: enabled, tier: prod, quoted: "3"}
    overlays: [envs/prod]
"""
PROJECT = """\
kind: Project
name: search
indexes:
  - name: products
    dimension: 8
    spec:
      serverless: {cloud: aws, region: us-east-1}
    deletion_protection: ${values.protection}
    read_capacity:
      mode: Dedicated
      dedicated:
        node_type: b1
        scaling: Manual
        manual:
          replicas: ${values.replicas}
          shards: 1
    tags:
      team: search
      env: "${values.tier}"
      note: tier-${values.tier}
      text: ${values.quoted}
"""
OVERLAY = """\
kind: Project
name: search
indexes:
  - name: products
    tags: {team: null, tier: critical}
"""


def _root(write_config: WriteConfig, **extra: str) -> Path:
    return write_config(
        {
            "declarate.yaml": WORKSPACE,
            "projects/search.yaml": PROJECT,
            "envs/prod/search.yaml": OVERLAY,
            **extra,
        }
    )


def _errors(config: LoadedConfig) -> list[str]:
    return [str(d) for d in config.diagnostics if d.severity is Severity.ERROR]


def _index(config: LoadedConfig) -> Any:
    resource = config.desired.get(Address.index("search", "products"))
    assert resource is not None
    return resource.attrs


def test_a_whole_value_keeps_its_type_and_a_longer_string_interpolates_text(
    write_config: WriteConfig,
) -> None:
    config = load_config([_root(write_config)], env={}, environment="staging")
    assert _errors(config) == []
    index = _index(config)
    assert index["read_capacity"]["dedicated"]["manual"]["replicas"] == 1
    assert index["deletion_protection"] == "disabled"
    assert index["tags"]["env"] == "staging"
    assert index["tags"]["note"] == "tier-staging"
    assert index["tags"]["text"] == "3"  # a string value stays a string


def test_the_overlay_applies_in_its_environment_only_and_is_never_base_config(
    write_config: WriteConfig,
) -> None:
    root = _root(write_config)
    staging = load_config([root], env={}, environment="staging")
    prod = load_config([root], env={}, environment="prod")
    assert _errors(prod) == []
    assert _index(staging)["tags"]["team"] == "search"
    prod_tags = _index(prod)["tags"]
    assert "team" not in prod_tags and prod_tags["tier"] == "critical"  # null removed it
    assert _index(prod)["read_capacity"]["dedicated"]["manual"]["replicas"] == 3
    assert "envs/prod/search.yaml" not in " ".join(staging.files)
    assert any(f.endswith("envs/prod/search.yaml") for f in prod.files)
    assert prod.settings.environment is not None and prod.settings.environment.client_id_env == "PROD_ID"


def test_an_overlaid_value_is_reported_at_the_overlay_line(write_config: WriteConfig) -> None:
    overlay = "kind: Project\nname: search\nindexes:\n  - name: products\n    dimension: -4\n"
    root = _root(write_config, **{"envs/prod/search.yaml": overlay})
    config = load_config([root], env={}, environment="prod")
    problems = [d for d in config.diagnostics if d.path.endswith("dimension")]
    assert problems, config.diagnostics
    assert [
        (d.origin.file.endswith("envs/prod/search.yaml"), d.origin.line) for d in problems if d.origin
    ] == [(True, 5)]


def test_an_overlay_for_an_identity_the_base_lacks_is_an_error_at_its_line(write_config: WriteConfig) -> None:
    overlay = "kind: Project\nname: serch\n---\nkind: Project\nname: search\nindexes:\n  - name: prodcts\n    tags: {a: b}\n"
    root = _root(write_config, **{"envs/prod/search.yaml": overlay})
    config = load_config([root], env={}, environment="prod")
    missing = [d for d in config.diagnostics if d.code == "overlay.no_base"]
    assert [(d.origin.line if d.origin else 0) for d in missing] == [2, 7]
    assert "project 'serch'" in missing[0].message and "index 'prodcts'" in missing[1].message
    assert all(d.origin and d.origin.file.endswith("envs/prod/search.yaml") for d in missing)


def test_an_undefined_value_names_the_environment_and_the_line(write_config: WriteConfig) -> None:
    root = _root(write_config, **{"projects/search.yaml": PROJECT.replace("values.tier", "values.teir")})
    config = load_config([root], env={}, environment="prod")
    undefined = [d for d in config.diagnostics if d.code == "interpolate.undefined_value"]
    assert undefined and all("'teir' is not defined in environment 'prod'" in d.message for d in undefined)
    assert undefined[0].origin is not None and undefined[0].origin.line == 19  # env: "${values.teir}"


def test_validate_loads_every_environment_and_says_where_each_problem_holds(
    write_config: WriteConfig,
) -> None:
    workspace = WORKSPACE.replace("values: {replicas: 3,", "values: {replicas: -3,")
    root = _root(write_config, **{"declarate.yaml": workspace})
    config = load_config([root], {}, every=True)
    errors = _errors(config)
    assert len(errors) == 1 and "in environment prod:" in errors[0], errors


def test_live_commands_refuse_to_guess_the_environment(write_config: WriteConfig) -> None:
    refused = load_config([_root(write_config)], {})
    assert not refused.ok and len(refused.desired) == 0
    [refusal] = refused.diagnostics
    assert "declares environments (staging, prod)" in refusal.message and "--env NAME" in (refusal.hint or "")


def test_an_undeclared_environment_is_an_error_at_declarate_yaml(write_config: WriteConfig) -> None:
    config = load_config([_root(write_config)], env={}, environment="qa")
    unknown = [d for d in config.diagnostics if d.code == "environment.unknown"]
    assert len(unknown) == 1 and unknown[0].origin and unknown[0].origin.file.endswith("declarate.yaml")
    assert "declared: staging, prod" in unknown[0].message


def test_an_overlay_outside_the_config_root_or_missing_is_an_error_at_its_line(
    write_config: WriteConfig,
) -> None:
    workspace = WORKSPACE.replace("overlays: [envs/prod]", "overlays: [../outside, /etc, envs/qa]")
    root = _root(write_config, **{"declarate.yaml": workspace})
    (root.parent / "outside").mkdir()
    (root.parent / "outside" / "leak.yaml").write_text("kind: Project\nname: search\n")
    config = load_config([root], env={}, environment="prod")
    codes = [
        (d.code, d.origin.line if d.origin else 0)
        for d in config.diagnostics
        if d.code.startswith("environment.")
    ]
    assert codes == [
        ("environment.overlay_outside", 8),
        ("environment.overlay_outside", 8),
        ("environment.overlay_missing", 8),
    ]
    assert not any(f.endswith("leak.yaml") for f in config.files)
