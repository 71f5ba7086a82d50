"""examples/environments end to end: one config, two environments, two served control planes.

Staging and prod are separate local control planes with different credentials, each reached through
the variables its environment names; the same config converges on both with each one's values, and
prod's overlay applies to prod only.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def planes() -> Iterator[tuple[Any, Any]]:
    with running_server(ready_after=0) as staging, running_server(ready_after=0) as prod:
        yield staging, prod


@pytest.fixture
def env_cli(planes: tuple[Any, Any], tmp_path: Path) -> Cli:
    staging, prod = planes
    assert staging.client_secret != prod.client_secret
    shutil.copytree(EXAMPLES / "environments", tmp_path / "config")
    env = cli_env(None)  # no PINECONE_* at all: each environment reads its own variables
    env.update(
        STAGING_API_URL=staging.url,
        STAGING_CLIENT_ID=staging.client_id,
        STAGING_CLIENT_SECRET=staging.client_secret,
        PROD_API_URL=prod.url,
        PROD_CLIENT_ID=prod.client_id,
        PROD_CLIENT_SECRET=prod.client_secret,
    )
    return Cli(tmp_path, env)


def _index(sdk: Sdk) -> Any:
    return sdk.control("search").describe_index("products")


def _replicas(index: Any) -> int:
    capacity = index.spec.serverless.read_capacity
    capacity = capacity if isinstance(capacity, dict) else capacity.to_dict()
    return int(capacity["dedicated"]["manual"]["replicas"])


def _keys(sdk: Sdk) -> dict[str, list[str]]:
    project = sdk.project_id("search")
    return {
        key.name: sorted(getattr(r, "value", str(r)) for r in key.roles)
        for key in sdk.admin.api_keys.list(project_id=project)
        if key.name != "oob-editor"
    }


def test_validate_checks_every_environment_in_one_run(env_cli: Cli) -> None:
    run = env_cli("validate", "-f", "config")
    assert run.code == 0, run.output
    assert "staging, prod" in run.stdout


def test_live_commands_refuse_without_an_environment_and_list_them(env_cli: Cli) -> None:
    for command in ("plan", "drift"):
        run = env_cli(command, "-f", "config")
        assert run.code == 1
        assert "staging, prod" in run.stderr and "--env" in run.stderr
    unknown = env_cli("plan", "-f", "config", "--env", "prdo")
    assert unknown.code == 1
    assert "declarate.yaml:" in unknown.stderr and "'prdo' is not declared" in unknown.stderr
    assert "did you mean 'prod'?" in unknown.stderr


def test_both_environments_converge_with_their_own_values_and_overlay(
    env_cli: Cli, planes: tuple[Any, Any]
) -> None:
    for name in ("staging", "prod"):
        applied = env_cli("apply", "-f", "config", "--env", name, "--auto-approve")
        assert applied.code == 0, applied.output
        assert f"environment {name}" in applied.stdout
        again = env_cli("plan", "-f", "config", "--detailed-exitcode", extra_env={"DECLARATE_ENV": name})
        assert again.code == 0, again.output
    staging, prod = (Sdk(plane) for plane in planes)
    staging_index, prod_index = _index(staging), _index(prod)
    assert staging_index.deletion_protection == "disabled"
    assert prod_index.deletion_protection == "enabled"
    assert staging_index.tags == {"team": "search", "env": "staging", "managed-by": "declarate"}
    assert prod_index.tags == {"team": "search", "env": "prod", "tier": "critical", "managed-by": "declarate"}
    assert _replicas(staging_index) == 1
    assert _replicas(prod_index) == 2
    assert _keys(staging) == {"search-ci": ["ProjectEditor"]}
    assert _keys(prod) == {"search-ci": ["DataPlaneEditor"], "search-readonly": ["DataPlaneViewer"]}


def test_a_plan_saved_for_one_environment_is_refused_by_another(env_cli: Cli) -> None:
    saved = env_cli("plan", "-f", "config", "--env", "prod", "--out", "prod.json")
    assert saved.code == 0, saved.output
    assert "environment prod" in saved.stdout
    in_config = Cli(env_cli.cwd / "config", env_cli.env)  # apply PLAN.json reads ./declarate.yaml
    run = in_config("apply", "../prod.json", "--env", "staging")
    assert run.code == 1
    assert "environment prod" in run.stderr and "environment staging" in run.stderr, run.output


def test_json_plan_and_drift_name_the_environment_in_their_own_field(env_cli: Cli) -> None:
    plan = env_cli("plan", "-f", "config", "--env", "prod", "--format", "json")
    drift = env_cli("drift", "-f", "config", "--format", "json", extra_env={"DECLARATE_ENV": "staging"})

    assert json.loads(plan.stdout)["environment"] == "prod"
    assert json.loads(drift.stdout)["environment"] == "staging"
    assert json.loads(plan.stdout)["target"].endswith("environment prod")
