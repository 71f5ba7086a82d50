"""Offline means complete: what the API would refuse and the config alone can tell fails validation.

The region catalog, integer ranges, policies that need no live state and the ownership tag are all
checked before any network call, each at its file:line.
"""

from __future__ import annotations

import pinecone
import pytest

from declarate.config.pipeline import load_config
from declarate.config.regions import SERVERLESS_REGIONS
from declarate.diagnostics import Diagnostic, Severity
from declarate.local import catalog

from .conftest import WriteConfig


def errors(write_config: WriteConfig, files: dict[str, str]) -> list[Diagnostic]:
    config = load_config([write_config(files)], env={})
    return [d for d in config.diagnostics if d.severity is Severity.ERROR]


def index(deployment: str, extra: str = "") -> str:
    return f"kind: Project\nname: search\nindexes:\n  - name: products\n    dimension: 8\n    {deployment}\n{extra}"


def test_the_local_control_plane_serves_exactly_the_config_region_catalog() -> None:
    # The local control plane stands in for the API and imports nothing of declarate: two tables,
    # held equal here, so a region one accepts and the other refuses cannot slip in.
    assert catalog.SERVERLESS_REGIONS == SERVERLESS_REGIONS


def test_the_region_catalog_holds_every_region_the_official_sdk_names() -> None:
    sdk = {
        "aws": {r.value for r in pinecone.AwsRegion},
        "gcp": {r.value for r in pinecone.GcpRegion},
        "azure": {r.value for r in pinecone.AzureRegion},
    }
    assert {cloud: set(regions) for cloud, regions in SERVERLESS_REGIONS.items()} == sdk


@pytest.mark.parametrize(
    ("cloud", "region"), [(c, r) for c, regions in SERVERLESS_REGIONS.items() for r in regions]
)
def test_every_catalog_region_validates_on_its_cloud_and_fails_on_the_others(
    write_config: WriteConfig, cloud: str, region: str
) -> None:
    assert errors(write_config, {"p.yaml": index(f"deployment: {{cloud: {cloud}, region: {region}}}")}) == []
    for other in sorted(set(SERVERLESS_REGIONS) - {cloud}):
        found = errors(write_config, {"p.yaml": index(f"deployment: {{cloud: {other}, region: {region}}}")})
        assert [d.code for d in found] == ["rules.region"]
        assert f"{region} is a region of {cloud}, not of {other}" in found[0].message
        assert (
            found[0].hint == f"set cloud: {cloud}, or a {other} region such as {SERVERLESS_REGIONS[other][0]}"
        )


def test_an_unknown_region_is_an_error_at_its_line_with_a_did_you_mean(write_config: WriteConfig) -> None:
    found = errors(write_config, {"p.yaml": index("spec: {serverless: {cloud: aws, region: us-east-7}}")})
    assert [(d.code, d.origin.line if d.origin else 0) for d in found] == [("rules.region", 6)]
    assert found[0].path == "indexes[0].spec.serverless.region"
    assert found[0].hint == "did you mean 'us-east-1'?"


def test_the_default_region_only_serves_the_default_cloud(write_config: WriteConfig) -> None:
    assert errors(write_config, {"p.yaml": index("deployment: {cloud: aws}")}) == []
    found = errors(write_config, {"p.yaml": index("deployment: {cloud: gcp}")})
    assert [d.message.split(";")[0] for d in found] == [
        "a serverless index on gcp needs a region (us-central1, europe-west4)"
    ]


@pytest.mark.parametrize(
    ("node", "value"),
    [
        ("max_pods", "100000000000000000000000000000"),
        ("deployment: {deployment_type: pod, environment: us-east1-gcp, replicas", "2147483648}"),
    ],
)
def test_integers_beyond_what_the_api_stores_are_refused(
    write_config: WriteConfig, node: str, value: str
) -> None:
    if node == "max_pods":
        text = f"kind: Project\nname: search\nmax_pods: {value}\n"
    else:
        text = index(f"{node}: {value}")
    found = errors(write_config, {"p.yaml": text})
    assert any("to 2147483647" in d.message for d in found), found


def test_policies_that_need_no_live_state_fail_validation(write_config: WriteConfig) -> None:
    workspace = (
        "kind: Workspace\npolicies:\n  require_deletion_protection: {}\n  forbid_roles: [ProjectEditor]\n"
        "  max_indexes_per_project: 1\n"
    )
    project = (
        "kind: Project\nname: search\nindexes:\n  - name: a\n    dimension: 8\n    deletion_protection: enabled\n"
        "  - name: b\n    dimension: 8\n    deletion_protection: enabled\napi_keys:\n  - name: k\n"
        "    roles: [DataPlaneEditor]\n"
    )
    found = errors(write_config, {"declarate.yaml": workspace, "p.yaml": project})
    assert [(d.code, d.path) for d in found] == [("policy.max_indexes_per_project", "indexes[1]")]


def test_a_protected_index_and_allowed_roles_pass_the_policies(write_config: WriteConfig) -> None:
    workspace = (
        "kind: Workspace\npolicies:\n  require_deletion_protection: {}\n  forbid_roles: [ProjectEditor]\n"
    )
    project = index("deletion_protection: enabled", "api_keys:\n  - name: k\n    roles: [DataPlaneEditor]\n")
    assert errors(write_config, {"declarate.yaml": workspace, "p.yaml": project}) == []


def test_the_ownership_tag_may_be_declared_with_its_own_value_only(write_config: WriteConfig) -> None:
    same = index("tags: {managed-by: declarate}")
    assert errors(write_config, {"p.yaml": same}) == []
    other = index("tags: {managed-by: terraform}")
    found = errors(write_config, {"p.yaml": other})
    assert [(d.code, d.path) for d in found] == [("rules.ownership_tag", "indexes[0].tags.managed-by")]
    custom = "kind: Workspace\nownership_tag: {key: owner, value: platform}\n"
    assert errors(write_config, {"declarate.yaml": custom, "p.yaml": other}) == []
