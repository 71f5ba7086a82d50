"""Every shipped example applies cleanly, and planning right after shows no changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.harness import Cli, Sdk

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _owner_token(server: Any) -> str:
    answer = httpx.post(
        server.url + "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": server.client_id,
            "client_secret": server.client_secret,
            "audience": "https://api.pinecone.io/",
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _seed_pod_index(server: Any, project_id: str, **index: Any) -> None:
    """Pod indexes cannot be created with API 2026-07: seed them the way they would pre-exist."""
    answer = httpx.post(
        server.url + "/_local/pod-indexes",
        json={"project_id": project_id, **index},
        headers={"Authorization": f"Bearer {_owner_token(server)}"},
    )
    assert answer.status_code == 201, answer.text


def test_quickstart_converges(cli: Cli) -> None:
    shutil.copytree(EXAMPLES / "quickstart", cli.cwd / "config")
    assert cli("apply", "-f", "config", "--auto-approve").code == 0
    assert cli("plan", "-f", "config", "--detailed-exitcode").code == 0


def test_full_example_converges_once_its_pre_existing_objects_exist(cli: Cli, sdk: Sdk, server: Any) -> None:
    shutil.copytree(EXAMPLES / "full", cli.cwd / "config")
    # What the full example expects to find: a search project whose key a team keeps in an env var,
    # and pod indexes made before API 2026-07 (declared to be managed, not created).
    search = sdk.admin.projects.create(name="search")
    search_key = sdk.admin.api_keys.create(project_id=search.id, name="ci", roles=["ProjectEditor"]).value
    platform = sdk.admin.projects.create(name="platform", max_pods=6, force_encryption_with_cmek=True)
    _seed_pod_index(
        server,
        platform.id,
        name="catalog-legacy",
        dimension=512,
        metric="euclidean",
        environment="us-east1-gcp",
        pod_type="p1.x2",
        replicas=2,
        shards=2,
        deletion_protection="enabled",
        tags={"env": "prod"},
    )
    _seed_pod_index(
        server,
        platform.id,
        name="archive-legacy",
        dimension=256,
        environment="us-east1-gcp",
        pod_type="s1.x1",
    )
    env = {"SEARCH_PINECONE_API_KEY": search_key}

    applied = cli("apply", "-f", "config", "--auto-approve", extra_env=env)
    assert applied.code == 0, applied.output
    replanned = cli("plan", "-f", "config", "--detailed-exitcode", extra_env=env)
    assert replanned.code == 0, replanned.output
