"""`declarate export`: live state as config a team can commit to adopt what already exists.

Arranged as a user meets it: the quickstart applied, then objects made by hand with the official SDK
(an index with tags and dedicated read capacity, a sparse index, an integrated-embedding index and an
API key). The export must validate, plan nothing but the adoption of the hand-made indexes, and never
carry a secret. A property test checks, in process, that any live index exports to config that
normalizes back to exactly the live attrs.
"""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.config.pipeline import load_config
from declarate.model.address import Address, Kind
from declarate.model.canonical import canonical_api_key, canonical_index, canonical_project
from declarate.model.kinds import API_KEY_ROLES
from declarate.model.resource import Resource
from declarate.model.settings import Settings
from declarate.model.state import State
from declarate.render.export import export_documents
from tests.e2e.harness import Cli, Sdk

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
DEDICATED = {
    "mode": "Dedicated",
    "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
}
# A tag value that looks like an environment reference must come back as written, not expanded.
HANDMADE_TAGS = {"owner": "ops", "env": "dev", "budget-note": "${NOT_A_VARIABLE}"}


@pytest.fixture
def estate(cli: Cli, sdk: Sdk) -> dict[str, Any]:
    """The quickstart applied, plus hand-made objects; returns the secrets the export must not show."""
    from pinecone import ServerlessSpec

    shutil.copytree(QUICKSTART, cli.cwd / "config")
    applied = cli("apply", "-f", "config", "--auto-approve")
    assert applied.code == 0, applied.output
    apparel = sdk.control("apparel-team")
    apparel.create_index(
        name="handmade",
        dimension=16,
        metric="dotproduct",
        spec=ServerlessSpec(cloud="aws", region="us-east-1", read_capacity=DEDICATED),
        tags=HANDMADE_TAGS,
    )
    apparel.create_index(
        name="sparse-terms",
        vector_type="sparse",
        metric="dotproduct",
        spec=ServerlessSpec(cloud="aws", region="us-east-1"),
    )
    apparel.create_index_for_model(
        name="docs-embed",
        cloud="aws",
        region="us-east-1",
        embed={
            "model": "multilingual-e5-large",
            "field_map": {"text": "chunk_text"},
            "write_parameters": {"input_type": "passage"},
        },
    )
    key = sdk.admin.api_keys.create(
        project_id=sdk.project_id("electronics-team"), name="hand-key", roles=["DataPlaneViewer"]
    )
    secret_files = [p for p in (cli.cwd / ".declarate" / "secrets").iterdir() if p.name != ".gitignore"]
    assert secret_files, "the quickstart's service account secret should have been written"
    secrets = [key.value, *sdk.key_values(), *(p.read_text().strip() for p in secret_files)]
    assert all(len(secret) >= 16 for secret in secrets)
    return {"secrets": secrets}


def exported_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.yaml"))}


def exported_indexes(root: Path, project: str) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((root / "projects" / f"{project}.yaml").read_text())
    return {index["name"]: index for index in document.get("indexes", [])}


def test_export_writes_one_file_per_project_and_organization_yaml(cli: Cli, estate: dict[str, Any]) -> None:
    result = cli("export", "-o", "exported")

    assert result.code == 0, result.output
    assert set(exported_files(cli.cwd / "exported")) == {
        "projects/apparel-team.yaml",
        "projects/electronics-team.yaml",
        "organization.yaml",
    }
    assert "wrote exported/organization.yaml" in result.stderr
    organization = yaml.safe_load((cli.cwd / "exported" / "organization.yaml").read_text())
    assert organization == {"kind": "Organization", "service_accounts": [{"name": "recs-ci"}]}


def test_export_is_valid_config(cli: Cli, estate: dict[str, Any]) -> None:
    assert cli("export", "-o", "exported").code == 0
    validated = cli("validate", "-f", "exported")
    assert validated.code == 0, validated.output


def test_planning_the_export_only_adopts_the_hand_made_indexes(cli: Cli, estate: dict[str, Any]) -> None:
    assert cli("export", "-o", "exported").code == 0

    planned = cli("plan", "-f", "exported", "--format", "json", "--detailed-exitcode")

    assert planned.code == 2, planned.output
    plan = json.loads(planned.stdout)
    assert {(c["address"], c["action"]) for c in plan["changes"]} == {
        ("project/apparel-team/index/handmade", "adopt"),
        ("project/apparel-team/index/sparse-terms", "adopt"),
        ("project/apparel-team/index/docs-embed", "adopt"),
    }
    # Adoption only adds the ownership tag: every other field already matches live state.
    assert {f["path"] for c in plan["changes"] for f in c["fields"]} == {"tags.managed-by"}
    assert plan["unmanaged"] == []


def test_applying_the_export_converges(cli: Cli, estate: dict[str, Any]) -> None:
    assert cli("export", "-o", "exported").code == 0
    applied = cli("apply", "-f", "exported", "--auto-approve")
    assert applied.code == 0, applied.output
    again = cli("plan", "-f", "exported", "--detailed-exitcode")
    assert again.code == 0, again.output


def test_export_uses_the_sugar_forms_and_leaves_out_the_ownership_tag(
    cli: Cli, estate: dict[str, Any]
) -> None:
    assert cli("export", "-o", "exported").code == 0

    indexes = exported_indexes(cli.cwd / "exported", "apparel-team")

    assert indexes["handmade"] == {
        "name": "handmade",
        "dimension": 16,
        "metric": "dotproduct",
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
        # `$${` is the config language's literal `${`: the loader reads back the live value.
        "tags": {**HANDMADE_TAGS, "budget-note": "$${NOT_A_VARIABLE}"},
        "read_capacity": DEDICATED,
    }
    assert indexes["sparse-terms"]["vector_type"] == "sparse"
    assert indexes["docs-embed"]["embed"] == {
        "model": "multilingual-e5-large",
        "field_map": {"text": "chunk_text"},
        "write_parameters": {"input_type": "passage"},
    }
    assert indexes["apparel-recs"]["dimension"] == 1536
    text = "".join(exported_files(cli.cwd / "exported").values())
    assert "_values" not in text
    assert "managed-by" not in text
    assert "declarate-tmp-" not in text  # declarate's own temporary keys are not the user's


def test_export_of_one_project_is_limited_to_it(cli: Cli, estate: dict[str, Any]) -> None:
    result = cli("export", "--project", "electronics-team", "-o", "only")

    assert result.code == 0, result.output
    assert set(exported_files(cli.cwd / "only")) == {"projects/electronics-team.yaml"}
    document = yaml.safe_load((cli.cwd / "only" / "projects" / "electronics-team.yaml").read_text())
    assert [i["name"] for i in document["indexes"]] == ["electronics-recs"]
    assert {k["name"] for k in document["api_keys"]} >= {"hand-key"}
    printed = cli("export", "--project", "electronics-team")
    assert printed.code == 0
    assert [d["name"] for d in yaml.safe_load_all(printed.stdout)] == ["electronics-team"]


def test_export_of_an_unknown_project_fails(cli: Cli, estate: dict[str, Any]) -> None:
    result = cli("export", "--project", "no-such-team", "-o", "nothing")
    assert result.code == 1
    assert "no such project: no-such-team" in result.stderr
    assert not (cli.cwd / "nothing").exists()


def test_export_never_overwrites_hand_written_config_without_force(cli: Cli, estate: dict[str, Any]) -> None:
    shutil.copytree(QUICKSTART, cli.cwd / "repo")
    hand_written = exported_files(cli.cwd / "repo")
    assert any("#" in text for text in hand_written.values())  # comments a blind overwrite would lose

    refused = cli("export", "-o", "repo")

    assert refused.code == 1
    assert "export would overwrite 3 existing file(s)" in refused.stderr
    assert "repo/projects/apparel-team.yaml" in refused.stderr and "--force" in refused.stderr
    assert "  - repo/projects/apparel-team.yaml\n" in refused.stderr  # one path a line, not a literal \n
    assert "\\n" not in refused.stderr
    assert exported_files(cli.cwd / "repo") == hand_written  # nothing written, not even the new files
    assert "wrote" not in refused.stderr

    forced = cli("export", "-o", "repo", "--force")

    assert forced.code == 0, forced.output
    assert exported_files(cli.cwd / "repo") != hand_written
    assert cli("validate", "-f", "repo").code == 0


def test_export_to_an_empty_directory_writes_every_file(cli: Cli, estate: dict[str, Any]) -> None:
    (cli.cwd / "empty").mkdir()
    result = cli("export", "-o", "empty")
    assert result.code == 0, result.output
    assert len(exported_files(cli.cwd / "empty")) == 3


def test_no_secret_appears_in_the_export(cli: Cli, estate: dict[str, Any]) -> None:
    to_files = cli("export", "-o", "exported")
    to_stdout = cli("export")
    one_project = cli("export", "--project", "electronics-team")

    texts = [
        to_files.output,
        to_stdout.output,
        one_project.output,
        *exported_files(cli.cwd / "exported").values(),
    ]
    for secret in estate["secrets"]:
        assert all(secret not in text for text in texts)


def test_a_project_named_like_a_path_is_exported_inside_the_output_directory(cli: Cli, sdk: Sdk) -> None:
    sdk.admin.projects.create(name="../../escaped")

    result = cli("export", "-o", "out")

    assert result.code == 0, result.output
    written = [p for p in cli.cwd.rglob("*.yaml")]
    assert all((cli.cwd / "out") in p.parents for p in written)
    assert cli("validate", "-f", "out").code == 0
    planned = cli("plan", "-f", "out", "--detailed-exitcode")
    assert planned.code == 0, planned.output


# --- every live index exports to config that normalizes back to it (in process) ---------------------

NAMES = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
TAG_KEYS = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True).filter(lambda k: k != "managed-by")
# Printable ASCII, `$`, `{`, quotes and YAML indicators included: the API allows them all.
PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
TAG_VALUES = st.text(alphabet=PRINTABLE_ASCII, min_size=1, max_size=30)
METRICS = st.sampled_from(["cosine", "dotproduct", "euclidean"])

DENSE = st.builds(
    lambda dimension, metric: {"_values": {"type": "dense_vector", "dimension": dimension, "metric": metric}},
    st.integers(1, 20000),
    METRICS,
)
SPARSE = st.just({"_sparse_values": {"type": "sparse_vector"}})
INPUT_TYPES: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}), st.fixed_dictionaries({"input_type": st.sampled_from(["query", "passage"])})
)
KNOWN_EMBED = st.builds(
    lambda field, model, read, write: {
        field: {"type": "semantic_text", "model": model, "read_parameters": read, "write_parameters": write}
    },
    st.sampled_from(["chunk_text", "body"]),
    st.sampled_from(["multilingual-e5-large", "llama-text-embed-v2", "pinecone-sparse-english-v0"]),
    INPUT_TYPES,
    INPUT_TYPES,
)
CUSTOM_EMBED = st.builds(
    lambda metric, dimension: {
        "text": {"type": "semantic_text", "model": "acme-embed-v1", "metric": metric, "dimension": dimension}
    },
    METRICS,
    st.integers(1, 4096),
)
FULL_TEXT = st.builds(
    lambda dimension, fts: {
        "embedding": {"type": "dense_vector", "dimension": dimension, "metric": "dotproduct"},
        "body": {"type": "string", "full_text_search": fts},
    },
    st.integers(1, 2048),
    st.fixed_dictionaries({}, optional={"language": st.just("en"), "stemming": st.booleans()}),
)
PLACEMENT = st.sampled_from(
    [
        None,
        {"deployment_type": "managed", "cloud": "aws", "region": "us-west-2"},
        {"deployment_type": "managed", "cloud": "gcp", "region": "us-central1"},
        {"deployment_type": "managed", "cloud": "azure", "region": "eastus2"},
    ]
)
READ_CAPACITY = st.one_of(
    st.none(),
    st.builds(
        lambda node, replicas, shards: {
            "mode": "Dedicated",
            "dedicated": {
                "node_type": node,
                "scaling": "Manual",
                "manual": {"replicas": replicas, "shards": shards},
            },
        },
        st.sampled_from(["b1", "t1"]),
        st.integers(1, 3),
        st.integers(1, 3),
    ),
)
LIVE_INDEX = st.builds(
    lambda name, fields, deployment, read_capacity, protection, tags: canonical_index(
        {
            "name": name,
            "schema": {"fields": fields},
            "deployment": deployment,
            "read_capacity": read_capacity,
            "deletion_protection": protection,
            "tags": tags,
        }
    ),
    NAMES,
    st.one_of(DENSE, SPARSE, KNOWN_EMBED, CUSTOM_EMBED, FULL_TEXT),
    PLACEMENT,
    READ_CAPACITY,
    st.sampled_from(["enabled", "disabled"]),
    st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=5),
)
LIVE_KEY = st.builds(
    lambda name, roles: canonical_api_key({"name": name, "roles": roles}),
    NAMES,
    st.lists(st.sampled_from(API_KEY_ROLES), min_size=1, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(
    project=st.text(alphabet=string.ascii_letters + string.digits + " ./_-", min_size=1, max_size=40),
    max_pods=st.integers(0, 20),
    indexes=st.lists(LIVE_INDEX, max_size=4, unique_by=lambda attrs: attrs["name"]),
    keys=st.lists(LIVE_KEY, max_size=2, unique_by=lambda attrs: attrs["name"]),
)
def test_any_live_project_exports_to_config_that_normalizes_back_to_it(
    tmp_path_factory: pytest.TempPathFactory,
    project: str,
    max_pods: int,
    indexes: list[dict[str, Any]],
    keys: list[dict[str, Any]],
) -> None:
    live = State.of(
        [
            Resource(Address.project_(project), canonical_project({"name": project, "max_pods": max_pods})),
            *(Resource(Address.index(project, attrs["name"]), attrs) for attrs in indexes),
            *(Resource(Address.api_key(project, attrs["name"]), attrs) for attrs in keys),
        ],
        scopes={f"project/{project}"},
    )
    root = tmp_path_factory.mktemp("export")
    for relative, text in export_documents(live, Settings()).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)

    config = load_config([root], env={})

    assert [str(d) for d in config.diagnostics] == []
    assert set(config.desired.resources) == set(live.resources)
    for resource in live:
        attrs = dict(config.desired.resources[resource.address].attrs)
        if resource.kind is Kind.INDEX:  # the ownership tag is declarate's to add, not the config's
            attrs["tags"] = {k: v for k, v in attrs["tags"].items() if k != "managed-by"}
        assert attrs == dict(resource.attrs)
