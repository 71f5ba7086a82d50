"""Specifications of the config JSON Schema and of the messages its violations produce."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from declarate.config.compiled_schema import compile_schema
from declarate.config.document import SourceDocument
from declarate.config.loader import load_text
from declarate.config.schema import KINDS, check_schema, config_schema
from declarate.diagnostics import Diagnostic
from declarate.model import kinds

REPO = Path(__file__).resolve().parents[3]
SCHEMA = config_schema()
DEFS = SCHEMA["$defs"]


def problems(text: str) -> list[Diagnostic]:
    docs, loading = load_text(text, "project.yaml", env={})
    assert loading == [], loading
    return check_schema(docs)


def one_problem(text: str) -> Diagnostic:
    found = problems(text)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def index(body: str) -> str:
    """A project with one index whose keys are `body` (lines at 4 spaces), starting at line 4."""
    return "kind: Project\nname: apparel-team\nindexes:\n  - name: apparel-recs\n" + body


# --- the schema file -------------------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def walk_properties(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", value
        for key, value in node.items():
            yield from walk_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_properties(value, f"{where}/{i}")


def test_every_property_has_a_description_for_editors() -> None:
    properties = list(walk_properties(SCHEMA))
    assert len(properties) > 100
    assert [where for where, prop in properties if not prop.get("description")] == []


def test_every_object_rejects_unknown_keys_except_free_form_maps() -> None:
    free_form = {"Tags", "ModelParameters", "SchemaField"}  # tags, model parameters, a field picked by oneOf

    def objects(node: Any, where: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                yield where, node
            for key, value in node.items():
                if key != "if":  # a condition, not a shape
                    yield from objects(value, f"{where}/{key}")

    open_objects = [
        where
        for name, definition in DEFS.items()
        if name not in free_form
        for where, node in objects(definition, name)
        if "properties" in node and node.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_the_repository_copy_is_identical_to_the_packaged_schema() -> None:
    packaged = REPO / "declarate" / "schemas" / "config.schema.json"
    assert (REPO / "schemas" / "config.schema.json").read_bytes() == packaged.read_bytes()
    assert json.loads(packaged.read_text()) == SCHEMA


def test_role_enums_are_the_role_tables_of_the_model() -> None:
    assert DEFS["ProjectRole"]["enum"] == list(kinds.PROJECT_ROLES)
    assert DEFS["OrganizationRole"]["enum"] == list(kinds.ORGANIZATION_ROLES)
    assert DEFS["ApiKeyRole"]["enum"] == list(kinds.API_KEY_ROLES)


def test_the_document_schema_offers_exactly_the_three_kinds() -> None:
    branches = [DEFS[ref["$ref"].rsplit("/", 1)[1]] for ref in SCHEMA["oneOf"]]
    assert [b["properties"]["kind"]["const"] for b in branches] == list(KINDS)


# examples/ci holds GitHub Actions workflows, not config (tests/e2e/test_ci_workflows.py covers it).
@pytest.mark.parametrize(
    "example", sorted(p for p in (REPO / "examples").glob("*") if p.is_dir() and p.name != "ci")
)
def test_every_example_config_validates(example: Path) -> None:
    """In every environment it declares (examples/environments), else as is."""
    from declarate.config.pipeline import load_config

    config = load_config([example], {}, every=True)
    assert [str(d) for d in config.diagnostics if d.severity.value == "error"] == []
    assert config.documents


# --- what the schema accepts -----------------------------------------------------------------------


def test_the_documented_sugar_and_canonical_forms_validate() -> None:
    text = """\
kind: Project
name: apparel-team
description: Indexes for Apparel
ensure: present
max_pods: 4
force_encryption_with_cmek: false
api_key_env: APPAREL_KEY
prune: {api_keys: false, role_bindings: true}
indexes:
  - name: apparel-recs
    dimension: 1536
    metric: cosine
    vector_type: dense
    spec: {serverless: {cloud: aws, region: us-east-1}}
    deletion_protection: enabled
    tags: {team: apparel, cost-center: "42"}
    read_capacity:
      mode: Dedicated
      dedicated: {node_type: b1, scaling: Manual, manual: {replicas: 1, shards: 1}}
    ignore_changes: [tags.cost-center, read_capacity]
    allow_replace: false
  - name: apparel-search
    schema:
      fields:
        embedding: {type: dense_vector, dimension: 768, metric: dotproduct, description: vectors}
        sparse: {type: sparse_vector}
        body: {type: string, full_text_search: {language: en, stemming: true, stop_words: true}}
        sku: {type: string, full_text_search: {ngram: {min_gram: 2, max_gram: 3, prefix_only: true}}}
    deployment: {deployment_type: managed, cloud: aws, region: us-east-1}
  - name: apparel-docs
    embed:
      model: multilingual-e5-large
      field_map: {text: chunk_text}
      write_parameters: {input_type: passage}
      read_parameters: {input_type: query, truncate: END}
    spec: {serverless: {cloud: gcp, region: us-central1}}
  - name: legacy-pods
    dimension: 8
    spec: {pod: {environment: us-east1-gcp, pod_type: p1.x2, replicas: 2, shards: 1}}
  - name: byoc
    dimension: 8
    spec: {byoc: {environment: aws-us-east-1-b921}}
api_keys:
  - name: recs-service
    roles: [DataPlaneEditor, ControlPlaneViewer]
    description: used by the recs API
role_bindings:
  - service_account: recs-ci
    role: ProjectViewer
  - user: alice@example.com
    role: ProjectEditor
  - invite: bob@example.com
    role: DataPlaneViewer
---
kind: Organization
service_accounts:
  - name: recs-ci
    description: CI for the recs team
role_bindings:
  - user: alice@example.com
    role: OrgMember
prune: {service_accounts: false, role_bindings: false}
---
kind: Workspace
ownership_tag: {key: managed-by, value: declarate}
safety: {max_delete_fraction: 0.3}
policies:
  require_deletion_protection: {tags: {env: prod}}
  forbid_roles: [ProjectEditor]
  max_indexes_per_project: 20
"""
    assert problems(text) == []


def test_exported_index_schemas_with_response_only_field_types_validate() -> None:
    text = index("""\
    schema:
      fields:
        _values: {type: dense_vector, dimension: 8, metric: cosine}
        _sparse_values: {type: sparse_vector}
        chunk: {type: semantic_text, model: multilingual-e5-large, metric: cosine, dimension: 1024,
                read_parameters: {input_type: query}, write_parameters: {input_type: passage}}
        title: {type: string, filterable: true}
        labels: {type: string_list, filterable: true}
        price: {type: float, filterable: true}
        year: {type: integer, filterable: false}
        in_stock: {type: boolean, filterable: true}
        genre: {filterable: true}
    deployment: {deployment_type: pod, environment: us-east1-gcp, pod_type: p1.x1, replicas: 1, shards: 1}
""")
    assert problems(text) == []


@pytest.mark.parametrize("dimension", [1, 8, 20000])
def test_dimensions_from_1_to_20000_are_accepted(dimension: int) -> None:
    assert problems(index(f"    dimension: {dimension}\n")) == []


@pytest.mark.parametrize(
    ("dimension", "found"), [("0", "0"), ("20001", "20001"), ("-3", "-3"), ("abc", "'abc'"), ("1.5", "1.5")]
)
def test_a_dimension_outside_1_to_20000_says_what_was_expected_and_found(dimension: str, found: str) -> None:
    problem = one_problem(index(f"    dimension: {dimension}\n"))
    assert str(problem.origin) == "project.yaml:5:16"
    assert problem.path == "indexes[0].dimension"
    assert problem.message == f"expected an integer from 1 to 20000, found {found}"


@pytest.mark.parametrize("name", ["a", "apparel-recs", "x1", "a" * 45, "0-0"])
def test_valid_index_names_are_accepted(name: str) -> None:
    assert problems(f"kind: Project\nname: p\nindexes:\n  - name: '{name}'\n") == []


@pytest.mark.parametrize("name", ["Apparel", "apparel_recs", "-recs", "recs-", "a" * 46, "", "recs.v2"])
def test_invalid_index_names_are_refused_with_the_naming_rule(name: str) -> None:
    found = problems(f"kind: Project\nname: p\nindexes:\n  - name: '{name}'\n")
    assert found, name
    assert all(p.path == "indexes[0].name" for p in found)
    assert any("a-z, 0-9 and '-'" in p.message or "characters" in p.message for p in found)


def test_twenty_tags_are_accepted_and_twenty_one_refused() -> None:
    def tags(n: int) -> str:
        return "    tags: {" + ", ".join(f"t{i}: v" for i in range(n)) + "}\n"

    assert problems(index(tags(20))) == []
    assert one_problem(index(tags(21))).message == "expected at most 20 tags, found 21"


def test_a_bad_tag_key_is_reported_at_the_key() -> None:
    problem = one_problem(index("    tags:\n      team: a\n      cost center: b\n"))
    assert (str(problem.origin), problem.path) == ("project.yaml:7:7", "indexes[0].tags.cost center")
    assert "1-80 characters of A-Z a-z 0-9 _ -" in problem.message


def test_a_tag_value_must_be_text() -> None:
    problem = one_problem(index("    tags: {version: 2}\n"))
    assert problem.message == "expected a string, found 2"
    assert problem.hint == "quote the value to make it text"


# --- messages --------------------------------------------------------------------------------------


def test_an_unknown_key_is_reported_at_the_key_with_a_did_you_mean() -> None:
    problem = one_problem(index("    dimenson: 1536\n"))
    assert (problem.code, str(problem.origin), problem.path) == (
        "schema.unknown_key",
        "project.yaml:5:5",
        "indexes[0].dimenson",
    )
    assert problem.message == "unknown key 'dimenson' in an index"
    assert problem.hint == "did you mean 'dimension'?"


def test_an_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    problem = one_problem("kind: Workspace\ncolour: blue\n")
    assert (
        problem.hint
        == "allowed here: kind, target, environments, ownership_tag, safety, policies, secrets_dir, interpolation"
    )


def test_a_bad_enum_value_lists_the_choices_and_suggests_the_closest() -> None:
    problem = one_problem(index("    dimension: 8\n    metric: Cosine\n"))
    assert problem.message == "expected a metric: one of cosine, dotproduct, euclidean, found 'Cosine'"
    assert problem.hint == "did you mean 'cosine'?"


def test_a_yaml_boolean_where_text_belongs_gets_a_quoting_hint() -> None:
    problem = one_problem(index("    dimension: 8\n    deletion_protection: on\n"))
    assert "found true" in problem.message
    assert problem.hint is not None and "quote" in problem.hint


def test_a_role_of_the_wrong_scope_says_which_scope_it_belongs_to() -> None:
    problem = one_problem("kind: Project\nname: p\napi_keys:\n  - name: k\n    roles: [OrgOwner]\n")
    assert problem.path == "api_keys[0].roles[0]"
    assert problem.message.startswith("expected an API key role: one of ProjectEditor")
    assert problem.hint == "'OrgOwner' is an organization role; it is not valid here"


def test_a_missing_required_key_names_the_key_and_the_object() -> None:
    problem = one_problem("kind: Project\nname: p\napi_keys:\n  - roles: [DataPlaneEditor]\n")
    assert problem.message == "missing required key 'name' in an API key"
    assert str(problem.origin) == "project.yaml:4:5"


def test_exactly_one_principal_is_required_in_a_role_binding() -> None:
    both = one_problem(
        "kind: Project\nname: p\nrole_bindings:\n  - user: a@b.co\n    invite: a@b.co\n    role: ProjectViewer\n"
    )
    assert both.message == "expected exactly one of user, service_account, invite, found 'user' and 'invite'"
    assert (both.path, str(both.origin)) == ("role_bindings[0]", "project.yaml:5:5")
    none = one_problem("kind: Project\nname: p\nrole_bindings:\n  - role: ProjectViewer\n")
    assert none.message == "expected exactly one of user, service_account, invite, found none of them"


def test_a_schema_field_is_judged_by_its_type_not_by_every_alternative() -> None:
    text = index("    schema:\n      fields:\n        e: {type: dense_vector, dimension: 8, metrc: cosine}\n")
    problem = one_problem(text)
    assert problem.message == "unknown key 'metrc' in a dense vector field"
    assert problem.hint == "did you mean 'metric'?"


def test_an_unknown_schema_field_type_is_named_with_a_suggestion() -> None:
    problem = one_problem(index("    schema:\n      fields:\n        e: {type: sparse, dimension: 8}\n"))
    assert problem.path == "indexes[0].schema.fields.e.type"
    assert problem.message.startswith("unknown type 'sparse': expected one of dense_vector, sparse_vector")


def test_dedicated_read_capacity_needs_its_block() -> None:
    problem = one_problem(index("    read_capacity: {mode: Dedicated}\n"))
    assert "mode Dedicated needs a 'dedicated' block" in problem.message


def test_a_list_where_a_mapping_belongs_says_so() -> None:
    problem = one_problem(index("    spec:\n      - serverless: {cloud: aws, region: us-east-1}\n"))
    assert problem.message == "expected a mapping, found a list"


def test_a_missing_kind_guesses_the_kind_from_the_keys() -> None:
    problem = one_problem("name: apparel-team\nindexes: []\n")
    assert (problem.code, problem.hint) == ("schema.missing_kind", "add 'kind: Project'")


def test_an_unknown_kind_is_one_error_with_a_suggestion() -> None:
    problem = one_problem("kind: project\nname: p\nwhatever: 1\n")
    assert (problem.code, str(problem.origin)) == ("schema.unknown_kind", "project.yaml:1:7")
    assert problem.hint == "did you mean 'Project'?"


def test_a_document_that_is_not_a_mapping_is_one_error() -> None:
    assert (
        one_problem("- kind: Project\n").message
        == "a config document must be a mapping with a 'kind', found a list"
    )


def test_every_error_of_every_document_is_reported_in_position_order() -> None:
    text = (
        index("    dimension: 0\n    metric: x\n    colour: red\n")
        + "---\nkind: Organization\nservice_accounts: {}\n"
    )
    found = problems(text)
    assert [(p.origin.line if p.origin else 0, p.code) for p in found] == [
        (5, "schema.range"),
        (6, "schema.enum"),
        (7, "schema.unknown_key"),
        (10, "schema.type"),
    ]


def test_long_found_values_are_shortened() -> None:
    problem = one_problem(index(f"    metric: {'x' * 200}\n"))
    assert len(problem.message) < 200


# --- the compiled check agrees with jsonschema ----------------------------------------------------


JUNK = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | st.just([])
)


_strategies: dict[tuple[int, int], st.SearchStrategy[Any]] = {}


def valid(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Instances of `schema` that are valid or nearly so (unique items and if/then are not arranged).

    One strategy per subschema and depth, built once: strategies are immutable, and a fresh one per
    draw made hypothesis re-check every nested strategy on each example (most of these tests' time).
    Keyed by identity, since subschemas are dicts that live as long as ``SCHEMA``.
    """
    key = (id(schema), depth)
    if key not in _strategies:
        _strategies[key] = _valid(schema, depth)
    return _strategies[key]


def _valid(schema: Any, depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return valid(DEFS[schema["$ref"].rsplit("/", 1)[1]], depth)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    branches = schema.get("oneOf", [])
    if branches and all("$ref" in b for b in branches):
        return st.one_of(*(valid(b, depth) for b in branches))
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return st.just({})
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        choose_one = [b["required"][0] for b in branches]  # "exactly one of these keys"
        optional = {k: valid(v, depth + 1) for k, v in properties.items() if k not in required + choose_one}
        return st.sampled_from(choose_one or [""]).flatmap(
            lambda chosen: st.fixed_dictionaries(
                {k: valid(properties[k], depth + 1) for k in [*required, chosen] if k}, optional=optional
            )
        )
    if kind == "array":
        return st.lists(valid(schema.get("items", {}), depth + 1), max_size=3)
    if kind == "integer":
        return st.integers(schema.get("minimum", 0), schema.get("maximum", 30))
    if kind == "number":
        return st.floats(schema.get("minimum", 0), schema.get("maximum", 10))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 30)
        text = (
            st.from_regex(schema["pattern"], fullmatch=True)
            if "pattern" in schema
            else st.text(max_size=high)
        )
        return text.filter(lambda t: low <= len(t) <= high)
    return JUNK


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += paths(child, (*path, key))
    return found


@st.composite
def documents(draw: st.DrawFn, kind: str) -> Any:
    """A valid document of `kind`, then zero to two random mutations: junk values or unknown keys."""
    instance = draw(valid(DEFS[kind]))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(paths(instance)))
        parent = instance
        for part in path[:-1]:
            parent = parent[part]
        junk = draw(JUNK | st.sampled_from(["Project", "cosine", "ProjectEditor", 0, 20001, {}, {"x": 1}]))
        if not path:
            instance = junk
        elif draw(st.booleans()) and isinstance(parent, dict):
            parent[draw(st.sampled_from(["dimenson", "tag", "bad key", path[-1]]))] = junk
        else:
            parent[path[-1]] = junk
    return instance


kind_validators = {
    kind: (
        compile_schema({"$ref": f"#/$defs/{kind}"}, SCHEMA),
        Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{kind}", "oneOf": [{}]}),
    )
    for kind in KINDS
}


@pytest.mark.parametrize("keyword", ["patternProperties", "prefixItems", "dependentRequired", "format"])
def test_the_compiled_check_refuses_keywords_it_does_not_implement(keyword: str) -> None:
    with pytest.raises(ValueError, match=keyword):
        compile_schema({"type": "object", keyword: {}})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(st.just(kind), documents(kind))))
def test_the_compiled_check_agrees_with_jsonschema(case: tuple[str, Any]) -> None:
    kind, instance = case
    compiled, reference = kind_validators[kind]
    assert compiled(instance) == reference.is_valid(instance)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(KINDS).flatmap(documents))
def test_every_invalid_document_gets_positioned_human_messages(data: Any) -> None:
    doc = SourceDocument("project.yaml", 0, data)
    found = check_schema([doc])
    valid = (
        isinstance(data, dict)
        and data.get("kind") in KINDS
        and kind_validators[data["kind"]][1].is_valid(data)
    )
    assert bool(found) != valid
    for problem in found:
        assert problem.origin is not None and problem.code.startswith("schema.")
        assert "is not valid under any of the given schemas" not in problem.message
        assert "Additional properties" not in problem.message
