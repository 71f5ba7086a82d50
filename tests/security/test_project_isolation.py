"""A key of one project can neither read nor change another project, through the SDK or declarate.

A project API key acts on its own project only: B's index is invisible to A's key (404), cannot be
configured or deleted with it, and a create sent with A's key lands in A, never in B. declarate
refuses outright a project whose `api_key_env` holds another project's key, instead of reading the
other project's indexes as this one's. A ControlPlaneViewer key reads but cannot create.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pinecone import Pinecone
from pinecone.errors import ApiError

from declarate.errors import TargetError
from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env
from tests.integration.conftest import make_provider, read_request, run
from tests.reliability.estate import Census

DENIED = (403, 404)

TEAMS = """
kind: Project
name: team-a
indexes:
  - name: a-recs
    dimension: 8
---
kind: Project
name: team-b
indexes:
  - name: b-recs
    dimension: 8
    tags: {owner: team-b}
"""

# Team B's config, run with the key in B_KEY_ENV: with A's key there, a careless tool would read A's
# indexes as B's, create b-recs and b-new in A and delete A's a-recs as "owned but undeclared".
TEAM_B_WITH_OWN_KEY = """
kind: Project
name: team-b
api_key_env: B_KEY_ENV
indexes:
  - name: b-recs
    dimension: 8
    tags: {owner: team-b}
  - name: b-new
    dimension: 8
"""


@pytest.fixture
def server() -> Iterator[Any]:
    with running_server(ready_after=0) as handle:
        yield handle


@pytest.fixture
def teams(server: Any, tmp_path: Path) -> Cli:
    """team-a and team-b applied by declarate with the organization's credentials."""
    cli = Cli(tmp_path, cli_env(server))
    cli.write("teams/teams.yaml", TEAMS)
    applied = cli("apply", "-f", "teams", "--auto-approve")
    assert applied.code == 0, applied.output
    return cli


def project_key(sdk: Sdk, project: str, roles: list[str], name: str = "team-key") -> str:
    return str(sdk.admin.api_keys.create(project_id=sdk.project_id(project), name=name, roles=roles).value)


def indexes_of(server: Any, key: str) -> dict[str, tuple[str | None, int | None, Any]]:
    """name -> (host, dimension, tags) of every index the key's project holds."""
    listed = Pinecone(api_key=key, host=server.url).list_indexes()
    return {i.name: (i.host, i.dimension, i.tags) for i in listed}


def denied(call: Any) -> int:
    with pytest.raises(ApiError) as refused:
        call()
    return int(refused.value.status_code)


def test_project_key_cannot_read_or_change_another_projects_index(server: Any, teams: Cli) -> None:
    sdk = Sdk(server)
    a_key = project_key(sdk, "team-a", ["ProjectEditor"])
    b_key = project_key(sdk, "team-b", ["ProjectEditor"])
    b_before = indexes_of(server, b_key)
    as_a = Pinecone(api_key=a_key, host=server.url)

    assert "b-recs" not in as_a.list_indexes().names()
    assert denied(lambda: as_a.describe_index("b-recs")) in DENIED
    assert denied(lambda: as_a.configure_index("b-recs", deletion_protection="enabled")) in DENIED
    assert denied(lambda: as_a.configure_index("b-recs", tags={"owner": "team-a"})) in DENIED
    assert denied(lambda: as_a.delete_index("b-recs")) in DENIED
    # A create sent with A's key can only ever land in A.
    as_a.create_index(
        name="b-recs",
        dimension=4,
        metric="cosine",
        spec={"serverless": {"cloud": "aws", "region": "us-east-1"}},
    )
    as_a.create_index(
        name="intruder",
        dimension=4,
        metric="cosine",
        spec={"serverless": {"cloud": "aws", "region": "us-east-1"}},
    )

    assert indexes_of(server, b_key) == b_before
    assert {"b-recs", "intruder", "a-recs"} <= set(indexes_of(server, a_key))


def test_control_plane_viewer_key_can_read_but_not_create(server: Any, teams: Cli) -> None:
    sdk = Sdk(server)
    viewer = Pinecone(api_key=project_key(sdk, "team-a", ["ControlPlaneViewer"]), host=server.url)

    assert viewer.list_indexes().names() == ["a-recs"]
    spec = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
    assert denied(lambda: viewer.create_index(name="sneaky", dimension=4, metric="cosine", spec=spec)) == 403
    assert denied(lambda: viewer.configure_index("a-recs", deletion_protection="enabled")) == 403
    assert denied(lambda: viewer.delete_index("a-recs")) == 403
    assert viewer.list_indexes().names() == ["a-recs"]


def test_config_for_b_run_with_a_key_fails_clearly_and_changes_nothing(server: Any, teams: Cli) -> None:
    sdk = Sdk(server)
    a_key = project_key(sdk, "team-a", ["ProjectEditor"])
    b_key = project_key(sdk, "team-b", ["ProjectEditor"])
    before = (indexes_of(server, a_key), indexes_of(server, b_key))
    teams.write("team-b/team-b.yaml", TEAM_B_WITH_OWN_KEY)
    wrong_key = {"B_KEY_ENV": a_key}

    for command in (("plan", "-f", "team-b"), ("apply", "-f", "team-b", "--auto-approve")):
        refused = teams(*command, extra_env=wrong_key)
        assert refused.code == 1, refused.output
        assert "B_KEY_ENV" in refused.stderr
        assert "does not belong to project team-b" in refused.stderr
        assert a_key not in refused.output

    assert (indexes_of(server, a_key), indexes_of(server, b_key)) == before
    assert Census.take(sdk).temporary_keys() == []
    # With B's own key the same config plans normally: only b-new is missing.
    planned = teams("plan", "-f", "team-b", "--detailed-exitcode", extra_env={"B_KEY_ENV": b_key})
    assert planned.code == 2, planned.output
    assert "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete." in planned.stdout


def test_viewer_key_in_api_key_env_cannot_create_through_declarate(server: Any, teams: Cli) -> None:
    sdk = Sdk(server)
    viewer_key = project_key(sdk, "team-b", ["ControlPlaneViewer"], name="viewer")
    teams.write("team-b/team-b.yaml", TEAM_B_WITH_OWN_KEY)

    refused = teams("apply", "-f", "team-b", "--auto-approve", extra_env={"B_KEY_ENV": viewer_key})

    assert refused.code == 1, refused.output
    assert "403" in refused.output
    assert viewer_key not in refused.output
    assert "b-new" not in indexes_of(server, viewer_key)


def test_provider_refuses_another_projects_key_even_for_a_project_without_indexes(server: Any) -> None:
    sdk = Sdk(server)
    sdk.admin.projects.create(name="team-a")
    sdk.admin.projects.create(name="team-b")  # no indexes: A's would all look like B's
    a_key = project_key(sdk, "team-a", ["ProjectEditor"])
    Pinecone(api_key=a_key, host=server.url).create_index(
        name="a-recs",
        dimension=4,
        metric="cosine",
        spec={"serverless": {"cloud": "aws", "region": "us-east-1"}},
    )

    async def read_b() -> None:
        async with make_provider(server, environ={"B_KEY_ENV": a_key}) as provider:
            await provider.read(read_request("team-b", **{"team-b": "B_KEY_ENV"}))

    with pytest.raises(TargetError, match="B_KEY_ENV does not belong to project team-b"):
        run(read_b())
    assert Census.take(sdk).temporary_keys() == []  # the key minted for the check went with the run
