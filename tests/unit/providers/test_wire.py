"""Specifications of the 2026-07 wire mapping: live JSON reads back in the canonical form config
normalizes to, and request bodies carry exactly what a change needs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarate.model.address import Address, PrincipalType
from declarate.model.canonical import canonical_index
from declarate.providers.pinecone.wire import (
    Principals,
    UnsupportedChange,
    api_key_resource,
    differing_paths,
    index_configure_body,
    index_create_request,
    index_resource,
    invite_body,
    project_resource,
    project_update_body,
    role_binding_resource,
    service_account_resource,
)

DENSE_SERVERLESS: dict[str, Any] = {
    "name": "apparel-recs",
    "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 1536, "metric": "cosine"}}},
    "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
}


def described(**overrides: Any) -> dict[str, Any]:
    """An IndexModel as 2026-07 describes a classic dense serverless index."""
    model: dict[str, Any] = {
        "name": "apparel-recs",
        "host": "apparel-recs-abc123.svc.pinecone.io",
        "status": {"ready": True, "state": "Ready"},
        "deployment": {
            "deployment_type": "managed",
            "cloud": "aws",
            "region": "us-east-1",
            "environment": "aped-4627-b74a",
        },
        "schema": {
            "fields": {
                "_values": {"type": "dense_vector", "dimension": 1536, "metric": "cosine"},
                "_sparse_values": {"type": "sparse_vector"},
            }
        },
        "read_capacity": {"mode": "OnDemand", "status": {"state": "Ready", "current_replicas": None}},
        "deletion_protection": "disabled",
        "tags": None,
    }
    model.update(overrides)
    return model


PRINCIPALS = Principals(
    projects={"p-1": "apparel-team"},
    service_accounts={"sa-1": "recs-ci"},
    users={"u-1": "alice@example.com"},
    invites={"i-1": "bob@example.com"},
)


def binding(**fields: Any) -> dict[str, Any]:
    raw = {
        "id": "rb-1",
        "principal_type": "service_account",
        "principal_id": "sa-1",
        "resource_type": "project",
        "resource_id": "p-1",
        "role": "ProjectViewer",
        "created_at": "2026-04-10T15:23:00Z",
    }
    raw.update(fields)
    return raw


# -- reading ------------------------------------------------------------------------------------


def test_classic_dense_index_reads_equal_to_the_dimension_sugar() -> None:
    live = index_resource("apparel-team", described())
    assert live.address == Address.index("apparel-team", "apparel-recs")
    assert live.attrs == canonical_index(DENSE_SERVERLESS)


def test_server_only_index_fields_are_kept_apart_from_what_is_diffed() -> None:
    live = index_resource("apparel-team", described(status={"ready": False, "state": "Initializing"}))
    assert "host" not in live.attrs and "status" not in live.attrs
    assert live.server["host"] == "apparel-recs-abc123.svc.pinecone.io"
    assert live.server["state"] == "Initializing"
    assert "environment" not in live.attrs["deployment"]
    assert live.attrs["read_capacity"] == {"mode": "OnDemand"}


def test_tags_null_reads_as_no_tags() -> None:
    assert index_resource("p", described(tags=None)).attrs["tags"] == {}


def test_project_reads_with_its_id_and_api_defaults() -> None:
    live = project_resource({"id": "p-1", "name": "apparel-team", "max_pods": 0, "organization_id": "o"})
    assert live.address == Address.project_("apparel-team")
    assert live.attrs == {"name": "apparel-team", "max_pods": 0, "force_encryption_with_cmek": False}
    assert live.server["id"] == "p-1"


def test_api_key_roles_read_as_a_sorted_set_and_keep_ids_server_side() -> None:
    live = api_key_resource(
        "apparel-team",
        {
            "id": "k-1",
            "name": "recs",
            "project_id": "p-1",
            "roles": ["DataPlaneViewer", "ControlPlaneViewer"],
        },
    )
    assert live.attrs == {"name": "recs", "roles": ["ControlPlaneViewer", "DataPlaneViewer"]}
    assert live.server == {"id": "k-1", "project_id": "p-1"}


def test_service_account_keeps_client_id_server_side() -> None:
    live = service_account_resource({"id": "sa-1", "name": "recs-ci", "client_id": "cid"})
    assert live.attrs == {"name": "recs-ci"}
    assert live.server["client_id"] == "cid"


def test_service_account_binding_is_addressed_by_the_account_name() -> None:
    live = role_binding_resource(binding(), PRINCIPALS)
    assert live is not None
    assert str(live.address) == "project/apparel-team/role-binding/service-account:recs-ci/ProjectViewer"
    assert live.server["id"] == "rb-1"


def test_invite_binding_is_addressed_as_the_person_it_invites() -> None:
    live = role_binding_resource(
        binding(principal_type="invite", principal_id="i-1", resource_type="organization", role="OrgMember"),
        PRINCIPALS,
    )
    assert live is not None
    assert live.address == Address.role_binding(None, PrincipalType.USER, "bob@example.com", "OrgMember")


def test_api_key_bindings_are_left_to_the_key_roles() -> None:
    assert role_binding_resource(binding(principal_type="api_key", principal_id="k-1"), PRINCIPALS) is None


def test_binding_in_a_project_that_was_not_read_is_skipped() -> None:
    assert role_binding_resource(binding(resource_id="p-unknown"), PRINCIPALS) is None


def test_binding_to_an_unknown_principal_still_shows_with_its_id() -> None:
    live = role_binding_resource(binding(principal_type="user", principal_id="u-gone"), PRINCIPALS)
    assert live is not None
    assert live.address.role_binding_parts() == (PrincipalType.USER, "u-gone", "ProjectViewer")


# -- writing -------------------------------------------------------------------------------------


def test_serverless_index_is_created_with_its_schema_and_deployment() -> None:
    attrs = {**canonical_index(DENSE_SERVERLESS), "tags": {"managed-by": "declarate"}}
    request = index_create_request(attrs)
    assert request.path == "/indexes"
    assert request.body["schema"] == attrs["schema"]
    assert request.body["deployment"] == {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
    assert request.body["tags"] == {"managed-by": "declarate"}
    assert set(request.body) <= {
        "name",
        "deployment",
        "schema",
        "read_capacity",
        "tags",
        "deletion_protection",
    }


def test_semantic_text_field_creates_for_model_with_embed_built_from_it() -> None:
    attrs = canonical_index(
        {
            "name": "apparel-docs",
            "schema": {
                "fields": {
                    "chunk_text": {
                        "type": "semantic_text",
                        "model": "multilingual-e5-large",
                        "write_parameters": {"input_type": "passage"},
                        "read_parameters": {"input_type": "query"},
                    }
                }
            },
        }
    )
    request = index_create_request(attrs)
    assert request.path == "/indexes/create-for-model"
    assert request.body["cloud"] == "aws" and request.body["region"] == "us-east-1"
    assert request.body["embed"] == {
        "model": "multilingual-e5-large",
        "field_map": {"text": "chunk_text"},
        "metric": "cosine",
        "dimension": 1024,
        "read_parameters": {"input_type": "query"},
        "write_parameters": {"input_type": "passage"},
    }
    assert "schema" not in request.body and "deployment" not in request.body


def test_pod_index_cannot_be_created_in_2026_07() -> None:
    attrs = canonical_index(
        {**DENSE_SERVERLESS, "deployment": {"deployment_type": "pod", "environment": "us-east1-gcp"}}
    )
    with pytest.raises(UnsupportedChange, match="pod indexes cannot be created"):
        index_create_request(attrs)


def test_configure_sends_only_changed_mutable_fields() -> None:
    live = canonical_index(DENSE_SERVERLESS)
    desired = {**live, "deletion_protection": "enabled", "tags": {"team": "apparel"}}
    assert index_configure_body(desired, live) == {
        "deletion_protection": "enabled",
        "tags": {"team": "apparel"},
    }
    assert index_configure_body(live, live) == {}


def test_tag_removed_on_the_desired_side_is_sent_as_empty_string() -> None:
    live = {**canonical_index(DENSE_SERVERLESS), "tags": {"team": "a", "old": "x"}}
    desired = {**live, "tags": {"team": "a"}}
    assert index_configure_body(desired, live) == {"tags": {"old": ""}}


def test_configure_leaves_alone_what_the_plan_does_not_change() -> None:
    live = {**canonical_index(DENSE_SERVERLESS), "tags": {"cost-center": "42"}}
    desired = {**live, "tags": {"managed-by": "declarate"}, "deletion_protection": "enabled"}
    body = index_configure_body(desired, live, ["tags.managed-by"])
    assert body == {"tags": {"managed-by": "declarate"}}


def test_dedicated_read_capacity_is_sent_whole() -> None:
    live = canonical_index(DENSE_SERVERLESS)
    dedicated = {
        "mode": "Dedicated",
        "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
    }
    body = index_configure_body({**live, "read_capacity": dedicated}, live)
    assert body == {"read_capacity": dedicated}


def test_embedding_parameter_change_patches_the_semantic_text_field() -> None:
    field = {
        "type": "semantic_text",
        "model": "multilingual-e5-large",
        "read_parameters": {"input_type": "query"},
    }
    live = canonical_index({"name": "docs", "schema": {"fields": {"body": field}}})
    desired = canonical_index(
        {"name": "docs", "schema": {"fields": {"body": {**field, "read_parameters": {"truncate": "END"}}}}}
    )
    assert index_configure_body(desired, live) == {
        "schema": {"fields": {"body": {"type": "semantic_text", "read_parameters": {"truncate": "END"}}}}
    }


def test_pod_replicas_are_configured_in_place() -> None:
    pod = {"deployment_type": "pod", "environment": "us-east1-gcp", "pod_type": "p1.x1", "replicas": 1}
    live = canonical_index({**DENSE_SERVERLESS, "deployment": pod})
    desired = canonical_index({**DENSE_SERVERLESS, "deployment": {**pod, "replicas": 3, "pod_type": "p1.x2"}})
    assert index_configure_body(desired, live) == {"deployment": {"replicas": 3, "pod_type": "p1.x2"}}


def test_project_update_sends_only_changed_fields() -> None:
    live = {"name": "p", "max_pods": 0, "force_encryption_with_cmek": False}
    assert project_update_body({**live, "max_pods": 4}, live) == {"max_pods": 4}


def test_invite_carries_each_binding_with_its_scope() -> None:
    assert invite_body("bob@example.com", [("p-1", "ProjectViewer"), (None, "OrgMember")]) == {
        "email": "bob@example.com",
        "role_bindings": [
            {"resource_type": "project", "resource_id": "p-1", "role": "ProjectViewer"},
            {"resource_type": "organization", "role": "OrgMember"},
        ],
    }


def test_differing_paths_name_each_leaf_that_differs() -> None:
    assert differing_paths({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": 0}) == ["a.c", "d"]


# -- properties ----------------------------------------------------------------------------------

TAG_KEYS = st.text(alphabet="abcdefghij-_", min_size=1, max_size=6)
TAG_VALUES = st.text(alphabet="abcdefgh XYZ", min_size=1, max_size=8)
TAGS = st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=6)


@given(desired=TAGS, live=TAGS)
def test_the_server_tag_merge_of_the_patch_yields_the_desired_tags(
    desired: dict[str, str], live: dict[str, str]
) -> None:
    base = canonical_index(DENSE_SERVERLESS)
    patch = index_configure_body({**base, "tags": desired}, {**base, "tags": live}).get("tags", {})
    merged = {**live, **patch}
    assert {k: v for k, v in merged.items() if v != ""} == desired


@st.composite
def serverless_indexes(draw: st.DrawFn) -> dict[str, Any]:
    sparse = draw(st.booleans())
    vectors = (
        {"_sparse_values": {"type": "sparse_vector"}}
        if sparse
        else {
            "_values": {
                "type": "dense_vector",
                "dimension": draw(st.integers(1, 20000)),
                "metric": draw(st.sampled_from(["cosine", "dotproduct", "euclidean"])),
            }
        }
    )
    return canonical_index(
        {
            "name": draw(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)),
            "schema": {"fields": vectors},
            "deployment": {
                "cloud": draw(st.sampled_from(["aws", "gcp", "azure"])),
                "region": draw(st.sampled_from(["us-east-1", "eu-west-1"])),
            },
            "deletion_protection": draw(st.sampled_from(["enabled", "disabled"])),
            "tags": draw(TAGS),
        }
    )


@given(serverless_indexes())
def test_an_index_created_from_desired_attrs_reads_back_equal(attrs: dict[str, Any]) -> None:
    body = index_create_request(attrs).body
    fields = dict(body["schema"]["fields"])
    if "_values" in fields:  # the server reports the implied sparse field on every dense index
        fields["_sparse_values"] = {"type": "sparse_vector"}
    answer = {
        **body,
        "schema": {"fields": fields},
        "deployment": {**body["deployment"], "environment": "env-1"},
        "read_capacity": {**body["read_capacity"], "status": {"state": "Ready"}},
        "tags": body.get("tags") or None,
        "host": "h",
        "status": {"ready": False, "state": "Initializing"},
    }
    assert index_resource("p", answer).attrs == attrs
