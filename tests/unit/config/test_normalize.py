"""Normalization: every spelling of the same meaning becomes the same canonical Resource."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from declarate.config.document import SourceDocument
from declarate.config.normalize import index_origins, normalize
from declarate.model.address import Address, Kind, PrincipalType
from declarate.model.resource import Directives
from declarate.model.state import State

from .conftest import LoadDocs


def desired(*documents: dict[str, Any]) -> State:
    state, problems = normalize([SourceDocument("c.yaml", i, doc) for i, doc in enumerate(documents)])
    assert problems == []
    return state


def project(*indexes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"kind": "Project", "name": "p", "indexes": list(indexes), **fields}


def the_index(state: State, name: str = "i") -> dict[str, Any]:
    resource = state.get(Address.index("p", name))
    assert resource is not None
    return dict(resource.attrs)


def test_dimension_sugar_becomes_a_dense_values_field_with_every_default() -> None:
    state = desired(project({"name": "i", "dimension": 1536}))
    assert the_index(state) == {
        "name": "i",
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": 1536, "metric": "cosine"}}},
        "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
        "deletion_protection": "disabled",
        "tags": {},
        "read_capacity": {"mode": "OnDemand"},
    }


def test_sparse_sugar_becomes_a_sparse_values_field() -> None:
    state = desired(project({"name": "i", "vector_type": "sparse", "metric": "dotproduct"}))
    assert the_index(state)["schema"] == {"fields": {"_sparse_values": {"type": "sparse_vector"}}}


def test_spec_pod_becomes_a_pod_deployment_without_read_capacity() -> None:
    attrs = the_index(
        desired(project({"name": "i", "dimension": 8, "spec": {"pod": {"environment": "e", "shards": 2}}}))
    )
    assert attrs["deployment"] == {
        "deployment_type": "pod",
        "environment": "e",
        "pod_type": "p1.x1",
        "replicas": 1,
        "shards": 2,
    }
    assert "read_capacity" not in attrs


def test_spec_byoc_becomes_a_byoc_deployment() -> None:
    dedicated = {
        "mode": "Dedicated",
        "dedicated": {"node_type": "b1", "scaling": "Manual", "manual": {"replicas": 1, "shards": 1}},
    }
    index = {
        "name": "i",
        "dimension": 8,
        "spec": {"byoc": {"environment": "aws-1"}},
        "read_capacity": dedicated,
    }
    attrs = the_index(desired(project(index)))
    assert attrs["deployment"] == {"deployment_type": "byoc", "environment": "aws-1"}
    assert attrs["read_capacity"] == dedicated


def test_embed_becomes_a_semantic_text_field_named_after_the_text_field() -> None:
    embed = {
        "model": "multilingual-e5-large",
        "field_map": {"text": "chunk"},
        "read_parameters": {"input_type": "query"},
    }
    attrs = the_index(desired(project({"name": "i", "embed": embed})))
    assert attrs["schema"] == {
        "fields": {
            "chunk": {
                "type": "semantic_text",
                "model": "multilingual-e5-large",
                "metric": "cosine",
                "dimension": 1024,
                "read_parameters": {"input_type": "query"},
            }
        }
    }


def test_embed_keeps_the_full_text_fields_of_its_schema() -> None:
    index = {
        "name": "i",
        "embed": {"model": "pinecone-sparse-english-v0", "field_map": {"text": "t"}},
        "schema": {"fields": {"body": {"type": "string", "full_text_search": {"language": "en"}}}},
    }
    fields = the_index(desired(project(index)))["schema"]["fields"]
    assert fields["t"] == {
        "type": "semantic_text",
        "model": "pinecone-sparse-english-v0",
        "metric": "dotproduct",
    }
    assert fields["body"]["full_text_search"] == {"language": "en", "stemming": False, "stop_words": False}


def test_api_key_roles_default_to_project_editor_and_are_a_sorted_set() -> None:
    state = desired(
        project(api_keys=[{"name": "a"}, {"name": "b", "roles": ["DataPlaneViewer", "ControlPlaneViewer"]}])
    )
    assert state.get(Address.api_key("p", "a")).attrs["roles"] == ["ProjectEditor"]  # type: ignore[union-attr]
    assert state.get(Address.api_key("p", "b")).attrs["roles"] == ["ControlPlaneViewer", "DataPlaneViewer"]  # type: ignore[union-attr]


def test_an_invite_is_the_same_role_binding_as_a_user() -> None:
    as_invite = desired(project(role_bindings=[{"invite": "a@x.io", "role": "ProjectViewer"}]))
    as_user = desired(project(role_bindings=[{"user": "a@x.io", "role": "ProjectViewer"}]))
    address = Address.role_binding("p", PrincipalType.USER, "a@x.io", "ProjectViewer")
    assert str(address) == "project/p/role-binding/user:a@x.io/ProjectViewer"
    assert as_invite.get(address) == as_user.get(address) is not None


def test_organization_documents_give_service_accounts_and_org_bindings() -> None:
    state = desired(
        {
            "kind": "Organization",
            "service_accounts": [{"name": "ci", "description": "note"}],
            "role_bindings": [{"service_account": "ci", "role": "OrgMember"}],
            "prune": {"role_bindings": True},
        }
    )
    assert sorted(str(r.address) for r in state) == [
        "organization/role-binding/service-account:ci/OrgMember",
        "service-account/ci",
    ]
    binding = state.get(Address.role_binding(None, PrincipalType.SERVICE_ACCOUNT, "ci", "OrgMember"))
    assert binding is not None and dict(binding.attrs) == {
        "project": None,
        "principal_type": "service-account",
        "principal": "ci",
        "role": "OrgMember",
    }
    assert state.scopes == {"organization"}
    assert state.directives_for("organization").prune_role_bindings
    assert not state.directives_for("organization").prune_service_accounts


def test_scopes_and_directives_come_from_project_documents() -> None:
    state = desired(
        project(api_key_env="P_KEY", prune={"api_keys": True}),
        {"kind": "Project", "name": "gone", "ensure": "absent"},
    )
    assert state.scopes == {"project/p", "project/gone"}
    kept = state.directives_for("project/p")
    assert kept.api_key_env == "P_KEY" and kept.prune_api_keys and not kept.prune_role_bindings
    assert kept.origin is not None and kept.origin.file == "c.yaml"
    assert state.directives_for("project/gone").ensure_absent


def test_an_absent_project_contributes_no_resources() -> None:
    state = desired(
        {"kind": "Project", "name": "gone", "ensure": "absent", "indexes": [{"name": "i", "dimension": 8}]}
    )
    assert len(state) == 0 and state.scopes == {"project/gone"}


def test_index_directives_are_carried_on_the_resource() -> None:
    index = {
        "name": "i",
        "dimension": 8,
        "ignore_changes": ["tags.cost-center", "read_capacity"],
        "allow_replace": True,
    }
    resource = desired(project(index)).get(Address.index("p", "i"))
    assert resource is not None
    assert resource.directives == Directives(
        ignore_changes=("tags.cost-center", "read_capacity"), allow_replace=True
    )


def test_the_first_declaration_of_an_address_wins() -> None:
    state = desired(project({"name": "i", "dimension": 8}, {"name": "i", "dimension": 16}))
    assert the_index(state)["schema"]["fields"]["_values"]["dimension"] == 8


def test_unreadable_items_are_left_out_and_reported() -> None:
    doc = SourceDocument(
        "c.yaml", 0, project({"dimension": 8}, "junk", api_keys=[{"name": "k", "roles": "x"}])
    )
    state, problems = normalize([doc])
    assert [p.code for p in problems] == ["normalize.skipped", "normalize.skipped"]
    assert [str(r.address) for r in state] == ["project/p"]


# ------------------------------------------------------------------ origins


def test_origins_point_at_the_config_node_each_canonical_value_came_from(load_docs: LoadDocs) -> None:
    docs = load_docs(
        """\
        kind: Project
        name: p
        indexes:
          - name: recs
            dimension: 1536
            metric: dotproduct
            spec:
              serverless: {cloud: aws, region: us-east-1}
            tags:
              team: apparel
        api_keys:
          - name: k
            roles: [ProjectViewer]
        """
    )
    state, _ = normalize(docs)
    index = state.get(Address.index("p", "recs"))
    assert index is not None
    lines = {path: origin.line for path, origin in index.origins.items()}
    assert lines[""] == 4
    assert lines["schema.fields._values.dimension"] == 5
    assert lines["schema.fields._values.metric"] == 6
    assert lines["deployment.region"] == 8 and lines["deployment.cloud"] == 8
    assert lines["tags.team"] == 10
    assert index.origin_of("schema.fields._values.type") == index.origins["schema.fields._values"]
    key = state.get(Address.api_key("p", "k"))
    assert (
        key is not None
        and key.origins["roles"].line == 13
        and key.origin is not None
        and key.origin.line == 12
    )


def test_canonical_form_origins_follow_the_schema_and_deployment(load_docs: LoadDocs) -> None:
    docs = load_docs(
        """\
        kind: Project
        name: p
        indexes:
          - name: recs
            schema:
              fields:
                embedding: {type: dense_vector, dimension: 8}
            deployment:
              region: eu-west-1
        """
    )
    index = normalize(docs)[0].get(Address.index("p", "recs"))
    assert index is not None
    assert index.origins["schema.fields.embedding.dimension"].line == 7
    assert index.origins["deployment.region"].line == 9


def test_embed_origins_map_onto_the_semantic_text_field(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nindexes:\n  - name: d\n    embed:\n      model: multilingual-e5-large\n"
        "      field_map: {text: chunk}\n"
    )
    index = normalize(docs)[0].get(Address.index("p", "d"))
    assert index is not None
    assert index.origins["schema.fields.chunk.model"].line == 6
    assert index.origin_of("schema.fields.chunk.dimension") == index.origins["schema.fields.chunk"]


# ------------------------------------------------------------------ properties


def as_config(state: State) -> list[SourceDocument]:
    """The canonical form of a desired state, written back as config documents."""
    projects: dict[str, dict[str, Any]] = {}
    organization: dict[str, Any] = {"kind": "Organization", "service_accounts": [], "role_bindings": []}
    for resource in state:
        attrs = dict(resource.attrs)
        if resource.kind is Kind.PROJECT:
            projects[resource.address.name] = {
                "kind": "Project",
                **attrs,
                "indexes": [],
                "api_keys": [],
                "role_bindings": [],
            }
    for resource in state:
        attrs = dict(resource.attrs)
        owner = projects.get(resource.address.project or "")
        if resource.kind is Kind.INDEX and owner is not None:
            item = {**attrs, "ignore_changes": list(resource.directives.ignore_changes)}
            owner["indexes"].append({**item, "allow_replace": resource.directives.allow_replace})
        elif resource.kind is Kind.API_KEY and owner is not None:
            owner["api_keys"].append(attrs)
        elif resource.kind is Kind.SERVICE_ACCOUNT:
            organization["service_accounts"].append(attrs)
        elif resource.kind is Kind.ROLE_BINDING:
            key = "user" if attrs["principal_type"] == "user" else "service_account"
            binding = {key: attrs["principal"], "role": attrs["role"]}
            (owner["role_bindings"] if owner is not None else organization["role_bindings"]).append(binding)
    documents = [*projects.values(), organization]
    return [SourceDocument("canonical.yaml", i, doc) for i, doc in enumerate(documents)]


def same_meaning(left: State, right: State) -> bool:
    directives = {r.address: r.directives for r in left} == {r.address: r.directives for r in right}
    return dict(left.resources) == dict(right.resources) and directives


tag_keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
tag_values = st.from_regex(r"[ -~]{1,20}", fullmatch=True)
places = st.sampled_from(
    [("aws", "us-east-1"), ("gcp", "us-central1"), ("azure", "eastus2"), ("aws", "eu-west-1")]
)
dedicated = st.builds(
    lambda node, replicas, shards: {
        "mode": "Dedicated",
        "dedicated": {
            "node_type": node,
            "scaling": "Manual",
            "manual": {"replicas": replicas, "shards": shards},
        },
    },
    st.sampled_from(["b1", "t1"]),
    st.integers(1, 4),
    st.integers(1, 4),
)


@st.composite
def index_spellings(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same index written with the sugar forms and with the canonical 2026-07 form."""
    name = draw(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True))
    sugar: dict[str, Any] = {"name": name}
    canonical: dict[str, Any] = {"name": name}
    vectors = draw(st.sampled_from(["dense", "sparse", "embed"]))
    if vectors == "dense":
        dimension = draw(st.integers(1, 20000))
        metric = draw(st.sampled_from([None, "cosine", "dotproduct", "euclidean"]))
        sugar["dimension"] = dimension
        field: dict[str, Any] = {"type": "dense_vector", "dimension": dimension}
        if metric is not None:
            sugar["metric"] = field["metric"] = metric
        canonical["schema"] = {"fields": {"_values": field}}
    elif vectors == "sparse":
        sugar.update(vector_type="sparse", metric="dotproduct")
        canonical["schema"] = {"fields": {"_sparse_values": {"type": "sparse_vector"}}}
    else:
        model = draw(
            st.sampled_from(["multilingual-e5-large", "llama-text-embed-v2", "pinecone-sparse-english-v0"])
        )
        params = draw(st.sampled_from([{}, {"input_type": "passage"}]))
        sugar["embed"] = {"model": model, "field_map": {"text": "chunk"}, "write_parameters": params}
        canonical["schema"] = {
            "fields": {"chunk": {"type": "semantic_text", "model": model, "write_parameters": params}}
        }
    where = draw(st.sampled_from(["default", "serverless", "pod"]))
    if where == "serverless":
        cloud, region = draw(places)
        sugar["spec"] = {"serverless": {"cloud": cloud, "region": region}}
        canonical["deployment"] = draw(
            st.sampled_from(
                [
                    {"cloud": cloud, "region": region},
                    {"deployment_type": "managed", "cloud": cloud, "region": region},
                ]
            )
        )
    elif where == "pod":
        pod = {"environment": "us-east1-gcp", "replicas": draw(st.integers(1, 3)), "pod_type": "p1.x2"}
        sugar["spec"] = {"pod": pod}
        canonical["deployment"] = {"deployment_type": "pod", **pod}
    protection = draw(st.sampled_from([None, "enabled", "disabled"]))
    if protection is not None:
        sugar["deletion_protection"] = canonical["deletion_protection"] = protection
    tags = draw(st.dictionaries(tag_keys, tag_values, max_size=5))
    if tags:
        sugar["tags"] = canonical["tags"] = tags
    if where != "pod":
        read_capacity = draw(st.sampled_from([None, {"mode": "OnDemand"}]) | dedicated)
        if read_capacity is not None:
            sugar["read_capacity"] = canonical["read_capacity"] = read_capacity
    return sugar, canonical


@given(index_spellings())
def test_sugar_and_canonical_spellings_of_an_index_normalize_equal(
    spellings: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    sugar, canonical = spellings
    assert dict(desired(project(sugar)).resources) == dict(desired(project(canonical)).resources)


@given(
    st.lists(index_spellings(), max_size=4, unique_by=lambda s: s[0]["name"]),
    st.lists(st.sampled_from(["ProjectViewer", "DataPlaneEditor", "ControlPlaneViewer"]), max_size=3),
    st.booleans(),
)
def test_normalizing_the_canonical_form_changes_nothing(
    indexes: list[tuple[dict[str, Any], dict[str, Any]]], roles: list[str], allow_replace: bool
) -> None:
    sugar = [{**s, "allow_replace": allow_replace, "ignore_changes": ["tags"]} for s, _ in indexes]
    first = desired(
        project(
            *sugar,
            max_pods=10,
            api_keys=[{"name": "k", "roles": roles}],
            role_bindings=[
                {"invite": "a@x.io", "role": "ProjectViewer"},
                {"service_account": "ci", "role": "ProjectEditor"},
            ],
        ),
        {
            "kind": "Organization",
            "service_accounts": [{"name": "ci"}],
            "role_bindings": [{"user": "a@x.io", "role": "OrgMember"}],
        },
    )
    second, problems = normalize(as_config(first))
    assert problems == []
    assert same_meaning(first, second)
    assert second.scopes == first.scopes


def test_people_with_only_project_roles_are_declared_organization_members() -> None:
    state = desired(
        {"kind": "Organization", "role_bindings": [{"user": "alice@example.com", "role": "OrgOwner"}]},
        project(
            name="p",
            role_bindings=[
                {"user": "alice@example.com", "role": "ProjectOwner"},
                {"invite": "carol@example.com", "role": "ProjectViewer"},
            ],
        ),
    )
    organization = {
        str(r.address) for r in state if r.kind is Kind.ROLE_BINDING and r.address.project is None
    }
    assert organization == {
        "organization/role-binding/user:alice@example.com/OrgOwner",
        "organization/role-binding/user:carol@example.com/OrgMember",
    }


def test_membership_is_not_implied_without_an_organization_document() -> None:
    state = desired(project(name="p", role_bindings=[{"user": "carol@example.com", "role": "ProjectViewer"}]))
    assert not [r for r in state if r.kind is Kind.ROLE_BINDING and r.address.project is None]


def spelled(index: dict[str, Any], path: str) -> str:
    resource = desired(project({"name": "i", **index})).get(Address.index("p", "i"))
    assert resource is not None
    return resource.spelled(path)


def test_every_sugar_form_spells_canonical_paths_in_the_config_words() -> None:
    assert spelled({"dimension": 8}, "schema.fields._values.dimension") == "dimension"
    assert spelled({"dimension": 8}, "schema.fields._values.metric") == "metric"
    assert spelled({"vector_type": "sparse"}, "schema.fields._sparse_values.type") == "vector_type"
    spec = {"dimension": 8, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}
    assert spelled(spec, "deployment.region") == "spec.serverless.region"
    assert spelled(spec, "deployment.deployment_type") == "spec.serverless"
    embed = {"embed": {"model": "multilingual-e5-large", "field_map": {"text": "chunk"}}}
    assert spelled(embed, "schema.fields.chunk.model") == "embed.model"
    canonical = {"deployment": {"cloud": "aws", "region": "us-east-1"}, "dimension": 8}
    assert spelled(canonical, "deployment.region") == "deployment.region"
    assert spelled({"dimension": 8, "tags": {"team": "a"}}, "tags.team") == "tags.team"


def test_written_tells_declared_values_from_defaults(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\nindexes:\n  - name: i\n    dimension: 8\n    tags: {team: a}\n")
    state, _ = normalize(docs)
    resource = state.get(Address.index("p", "i"))
    assert resource is not None
    assert resource.written("schema.fields._values.dimension") and resource.written("tags.team")
    assert not resource.written("schema.fields._values.metric")
    assert not resource.written("deletion_protection") and not resource.written("read_capacity")


def test_index_origins_read_after_load_are_those_of_the_config_as_loaded(load_docs: LoadDocs) -> None:
    # Index origins are worked out on their first read (most never are); late or early, the same.
    docs = load_docs(
        """\
        kind: Project
        name: p
        indexes:
          - name: recs
            dimension: 8
            spec:
              serverless: {cloud: aws, region: eu-west-1}
            tags: {team: a}
        """
    )
    index = normalize(docs)[0].get(Address.index("p", "recs"))
    assert index is not None
    expected = index_origins(docs[0], ("indexes", 0), docs[0].data["indexes"][0])
    assert dict(index.origins) == expected and index.origins["deployment.region"].line == 7
    assert index.origin_of("tags.team") == expected["tags.team"] and index.written("tags.team")
