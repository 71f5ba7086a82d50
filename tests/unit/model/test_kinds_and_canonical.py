"""The mutability table and canonical forms decide what a diff means; pin their meaning down."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from declarate.model.address import Kind
from declarate.model.canonical import canonical_api_key, canonical_index, canonical_project
from declarate.model.kinds import KINDS, Mutability


def test_dimension_change_is_a_replace_with_data_loss_reason() -> None:
    rule = KINDS[Kind.INDEX].rule_for("schema.fields._values.dimension")
    assert rule.mutability is Mutability.REPLACE
    assert "deletes all its vectors" in rule.reason


def test_tags_read_capacity_protection_and_embed_parameters_change_in_place() -> None:
    for path in (
        "tags.team",
        "read_capacity",
        "deletion_protection",
        "deployment.replicas",
        "schema.fields.body.read_parameters",
    ):
        assert KINDS[Kind.INDEX].rule_for(path).mutability is Mutability.IN_PLACE, path


def test_cloud_region_and_metric_are_immutable() -> None:
    for path in (
        "deployment.cloud",
        "deployment.region",
        "schema.fields.embedding.metric",
        "schema.fields.new",
    ):
        assert KINDS[Kind.INDEX].rule_for(path).mutability is Mutability.REPLACE, path


def test_cmek_is_one_way_and_role_bindings_never_update() -> None:
    assert KINDS[Kind.PROJECT].rule_for("force_encryption_with_cmek").mutability is Mutability.ONE_WAY
    assert KINDS[Kind.ROLE_BINDING].rule_for("role").mutability is Mutability.REPLACE


def test_dependency_levels_put_projects_first_and_bindings_last() -> None:
    order = sorted(KINDS, key=lambda k: KINDS[k].level)
    assert order[0] is Kind.PROJECT
    assert KINDS[Kind.ROLE_BINDING].level == max(spec.level for spec in KINDS.values())


def test_backup_schedules_come_after_their_index_and_change_in_place() -> None:
    schedule = KINDS[Kind.BACKUP_SCHEDULE]
    assert schedule.level > KINDS[Kind.INDEX].level
    for path in ("frequency", "retain_days", "enabled"):
        assert schedule.rule_for(path).mutability is Mutability.IN_PLACE
    assert schedule.rule_for("name").mutability is Mutability.REPLACE


def test_index_defaults_match_the_api() -> None:
    index = canonical_index(
        {"name": "a", "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 8}}}}
    )
    assert index == {
        "name": "a",
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 8, "metric": "cosine"}}},
        "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
        "deletion_protection": "disabled",
        "tags": {},
        "read_capacity": {"mode": "OnDemand"},
    }


def test_server_fields_of_a_described_index_are_dropped() -> None:
    described = {
        "name": "a",
        "host": "a-123.svc.pinecone.io",
        "status": {"ready": True, "state": "Ready"},
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 8, "metric": "cosine"}}},
        "deployment": {
            "deployment_type": "managed",
            "cloud": "aws",
            "region": "us-east-1",
            "environment": "x",
        },
        "read_capacity": {"mode": "OnDemand", "status": {"state": "Ready"}},
        "deletion_protection": "disabled",
        "tags": None,
    }
    declared = {"name": "a", "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 8}}}}
    assert canonical_index(described) == canonical_index(declared)


def test_semantic_text_fields_take_the_models_defaults() -> None:
    raw = {
        "name": "a",
        "schema": {"fields": {"text": {"type": "semantic_text", "model": "multilingual-e5-large"}}},
    }
    field = canonical_index(raw)["schema"]["fields"]["text"]
    assert field["metric"] == "cosine" and field["dimension"] == 1024


@given(
    dimension=st.integers(1, 20000),
    metric=st.sampled_from(["cosine", "dotproduct", "euclidean"]),
    tags=st.dictionaries(
        st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.text("abc", max_size=4), max_size=4
    ),
)
def test_canonical_index_is_idempotent(dimension: int, metric: str, tags: dict[str, str]) -> None:
    raw = {
        "name": "i",
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": dimension, "metric": metric}}},
        "tags": tags,
    }
    once = canonical_index(raw)
    assert canonical_index(once) == once


def test_api_key_roles_are_a_sorted_set_defaulting_to_project_editor() -> None:
    assert canonical_api_key({"name": "k"})["roles"] == ["ProjectEditor"]
    assert canonical_api_key({"name": "k", "roles": ["b", "a", "b"]})["roles"] == ["a", "b"]


def test_project_defaults() -> None:
    assert canonical_project({"name": "p"}) == {
        "name": "p",
        "max_pods": 0,
        "force_encryption_with_cmek": False,
    }
