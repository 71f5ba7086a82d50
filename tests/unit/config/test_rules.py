"""Semantic rules: what the JSON Schema cannot say, each reported at its node with a fix.

The last test pins every rule's diagnostic word for word (code, severity, file:line, path, message,
hint) on one config that breaks them all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.config.document import SourceDocument
from declarate.config.rules import check_rules
from declarate.diagnostics import Diagnostic, Severity
from tests.unit.engine.examples import MUTATION, examples

from .conftest import LoadDocs, WriteConfig

PROJECT = """\
kind: Project
name: apparel-team
max_pods: 0
indexes:
  - name: apparel-recs
    dimension: 1536
    metric: cosine
    spec:
      serverless: {cloud: aws, region: us-east-1}
    deletion_protection: enabled
    tags: {team: apparel}
  - name: apparel-search
    schema:
      fields:
        embedding: {type: dense_vector, dimension: 768, metric: dotproduct}
        body: {type: string, full_text_search: {language: en}}
    deployment: {cloud: aws, region: us-east-1}
    read_capacity: {mode: Dedicated, dedicated: {node_type: b1, scaling: Manual, manual: {replicas: 1, shards: 1}}}
  - name: apparel-docs
    embed:
      model: multilingual-e5-large
      field_map: {text: chunk_text}
    spec: {serverless: {cloud: aws, region: us-east-1}}
api_keys:
  - name: recs-service
    roles: [DataPlaneEditor]
role_bindings:
  - service_account: recs-ci
    role: ProjectViewer
  - user: alice@example.com
    role: ProjectEditor
---
kind: Organization
service_accounts:
  - name: recs-ci
role_bindings:
  - user: alice@example.com
    role: OrgMember
"""


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def one(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    matching = [d for d in diagnostics if d.code == code]
    assert len(matching) == 1, diagnostics
    return matching[0]


def index_problems(load_docs: LoadDocs, index_yaml: str) -> list[Diagnostic]:
    """The diagnostics of a project holding one index, given as the YAML of the list item."""
    body = "\n".join("    " + line for line in index_yaml.strip().splitlines())
    return check_rules(load_docs(f"kind: Project\nname: p\nindexes:\n  -\n{body}\n"))


def test_the_design_example_has_no_problems(load_docs: LoadDocs) -> None:
    assert check_rules(load_docs(PROJECT)) == []


# ------------------------------------------------------------------ unique names


def test_a_project_declared_in_two_files_is_reported_at_the_second(load_docs: LoadDocs) -> None:
    docs = load_docs(
        {
            "a.yaml": "kind: Project\nname: shared\n",
            "b.yaml": "# again\nkind: Project\nname: shared\n",
        }
    )
    problem = one(check_rules(docs), "rules.duplicate_name")
    assert problem.origin is not None
    assert problem.origin.file.endswith("b.yaml") and problem.origin.line == 3
    assert "declared twice" in problem.message and "a.yaml:2" in problem.message


def test_duplicate_index_names_in_a_project_are_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nindexes:\n  - {name: recs, dimension: 8}\n  - {name: recs, dimension: 16}\n"
    )
    problem = one(check_rules(docs), "rules.duplicate_name")
    assert problem.path == "indexes[1].name"
    assert problem.origin is not None and problem.origin.line == 5
    assert "index 'recs' is declared twice in project 'p'" in problem.message


def test_duplicates_are_found_past_an_item_without_a_name_and_in_a_project_without_one(
    load_docs: LoadDocs,
) -> None:
    docs = load_docs(
        "kind: Project\nindexes:\n  - {dimension: 8}\n  - {name: a, dimension: 8}\n  - {name: a, dimension: 8}\n"
    )
    problem = one(check_rules(docs), "rules.duplicate_name")
    assert problem.message.startswith("index 'a' is declared twice in this project; the first is at ")
    assert problem.hint == "index names are unique in this project: rename or remove one"


def test_the_same_index_name_in_two_projects_is_fine(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: a\nindexes: [{name: recs, dimension: 8}]\n---\n"
        "kind: Project\nname: b\nindexes: [{name: recs, dimension: 8}]\n"
    )
    assert check_rules(docs) == []


def test_duplicate_api_key_names_are_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\napi_keys:\n  - name: ci\n  - name: ci\n    roles: [ProjectViewer]\n"
    )
    assert one(check_rules(docs), "rules.duplicate_name").path == "api_keys[1].name"


def test_duplicate_service_accounts_are_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Organization\nservice_accounts:\n  - name: ci\n  - name: ci\n")
    problem = one(check_rules(docs), "rules.duplicate_name")
    assert "service account 'ci'" in problem.message


def test_an_invite_and_a_user_binding_with_the_same_email_and_role_are_duplicates(
    load_docs: LoadDocs,
) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nrole_bindings:\n"
        "  - {user: bob@example.com, role: ProjectViewer}\n"
        "  - {invite: bob@example.com, role: ProjectViewer}\n"
        "  - {invite: bob@example.com, role: ProjectEditor}\n"
    )
    problem = one(check_rules(docs), "rules.duplicate_role_binding")
    assert problem.path == "role_bindings[1]"
    assert problem.hint is not None and "alias" in problem.hint


# ------------------------------------------------------------------ documents


def test_a_second_organization_document_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"org.yaml": "kind: Organization\n", "more/org.yaml": "kind: Organization\n"})
    problem = one(check_rules(docs), "rules.duplicate_organization")
    assert problem.origin is not None and problem.origin.file.endswith("org.yaml")
    assert "at most one Organization" in problem.message


def test_a_workspace_outside_declarate_yaml_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"settings.yaml": "kind: Workspace\n"})
    problem = one(check_rules(docs), "rules.workspace_location")
    assert "declarate.yaml" in problem.message and problem.hint is not None


def test_a_workspace_in_a_nested_declarate_yaml_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"team/declarate.yaml": "kind: Workspace\n"})
    assert codes(check_rules(docs)) == ["rules.workspace_location"]


def test_a_misplaced_workspace_is_told_the_path_of_its_place_under_the_config_root(
    write_config: WriteConfig, load_docs: LoadDocs
) -> None:
    docs = load_docs({"team/declarate.yaml": "kind: Workspace\n"})
    root = write_config({})

    assert one(check_rules(docs), "rules.workspace_location").hint == f"move it to {root}/declarate.yaml"


def test_a_project_with_a_name_that_is_not_text_does_not_hide_later_duplicates(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: 5\n---\nkind: Project\nname: x\n---\nkind: Project\nname: x\n")

    assert one(check_rules(docs), "rules.duplicate_name").message.startswith("project 'x' is declared twice")


def test_an_unmanaged_role_binding_in_an_absent_project_is_reported_at_its_ensure(
    load_docs: LoadDocs,
) -> None:
    docs = load_docs(
        "kind: Project\nname: old\nensure: absent\n"
        "role_bindings:\n  - user: ann@example.com\n    role: ProjectViewer\n    ensure: unmanaged\n"
    )

    assert [p.path for p in check_rules(docs) if p.code == "rules.unmanaged_in_absent"] == [
        "role_bindings[0].ensure"
    ]


def test_a_workspace_in_declarate_yaml_at_the_root_is_fine(load_docs: LoadDocs) -> None:
    assert (
        check_rules(load_docs({"declarate.yaml": "kind: Workspace\nsafety: {max_delete_fraction: 0.5}\n"}))
        == []
    )


def test_two_workspace_documents_are_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs({"declarate.yaml": "kind: Workspace\n---\nkind: Workspace\n"})
    assert codes(check_rules(docs)) == ["rules.duplicate_workspace"]


# ------------------------------------------------------------------ references and principals


def test_an_undeclared_service_account_is_a_warning_to_be_resolved_live(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nrole_bindings:\n  - {service_account: deployer, role: ProjectViewer}\n"
    )
    problem = one(check_rules(docs), "rules.unresolved_service_account")
    assert problem.severity is Severity.WARNING
    assert "must already exist live" in problem.message
    assert problem.path == "role_bindings[0].service_account"


@pytest.mark.parametrize(
    ("binding", "found"),
    [
        ("{role: ProjectViewer}", "found none"),
        ("{user: a@x.io, invite: a@x.io, role: ProjectViewer}", "user, invite"),
    ],
)
def test_a_role_binding_needs_exactly_one_principal(load_docs: LoadDocs, binding: str, found: str) -> None:
    docs = load_docs(f"kind: Project\nname: p\nrole_bindings:\n  - {binding}\n")
    problem = one(check_rules(docs), "rules.principal")
    assert "exactly one of user, service_account, invite" in problem.message and found in problem.message


def test_a_user_must_be_an_email_address(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\nrole_bindings:\n  - {user: alice, role: ProjectViewer}\n")
    assert "email" in one(check_rules(docs), "rules.principal").message


def test_an_organization_role_in_a_project_binding_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\nrole_bindings:\n  - user: a@example.com\n    role: OrgMember\n")
    problem = one(check_rules(docs), "rules.invalid_role")
    assert problem.path == "role_bindings[0].role"
    assert problem.origin is not None and problem.origin.line == 5
    assert problem.hint == "OrgMember is an organization role: bind it in the Organization document"


def test_a_project_role_in_an_organization_binding_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Organization\nrole_bindings:\n  - {user: a@example.com, role: ProjectEditor}\n")
    problem = one(check_rules(docs), "rules.invalid_role")
    assert "OrgOwner, OrgManager, OrgMember, OrgBillingAdmin" in problem.message


def test_a_duplicate_organization_binding_says_the_organization(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Organization\nrole_bindings:\n  - user: a@example.com\n    role: OrgMember\n"
        "  - invite: a@example.com\n    role: OrgMember\n"
    )
    problem = one(check_rules(docs), "rules.duplicate_role_binding")
    assert problem.message.startswith(
        "invite a@example.com already has role OrgMember in the organization; the first binding is at "
    )


def test_bindings_after_one_of_the_wrong_types_are_still_checked(load_docs: LoadDocs) -> None:
    # The schema reports a role that is not a string; the rules skip that binding, and only it.
    docs = load_docs(
        "kind: Project\nname: p\nrole_bindings:\n  - user: a@example.com\n    role: 3\n"
        "  - user: alice\n    role: ProjectViewer\n"
    )
    assert [(p.code, p.path) for p in check_rules(docs)] == [("rules.principal", "role_bindings[1].user")]


def test_a_misspelled_role_gets_a_suggestion(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nrole_bindings:\n  - {user: a@example.com, role: ProjectViewr}\n"
    )
    assert one(check_rules(docs), "rules.invalid_role").hint == "did you mean 'ProjectViewer'?"


def test_a_role_like_no_valid_one_gets_no_hint(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\nrole_bindings:\n  - user: a@example.com\n    role: Zzzz\n")
    problem = one(check_rules(docs), "rules.invalid_role")
    assert problem.message.endswith("; found 'Zzzz'") and problem.hint is None


def test_an_api_key_with_an_organization_role_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\napi_keys:\n  - name: k\n    roles: [DataPlaneViewer, OrgOwner]\n"
    )
    problem = one(check_rules(docs), "rules.invalid_role")
    assert problem.path == "api_keys[0].roles[1]"
    assert "found 'OrgOwner' (an organization role: an API key belongs to one project)" in problem.message


def test_an_api_key_cannot_hold_project_owner(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\napi_keys:\n  - {name: k, roles: [ProjectOwner]}\n")
    assert "found 'ProjectOwner'" in one(check_rules(docs), "rules.invalid_role").message


# ------------------------------------------------------------------ vectors


def test_a_sparse_index_with_a_dimension_is_an_error(load_docs: LoadDocs) -> None:
    problem = one(
        index_problems(load_docs, "name: s\nvector_type: sparse\nmetric: dotproduct\ndimension: 8"),
        "rules.sparse",
    )
    assert "a sparse index has no dimension" in problem.message
    assert problem.path == "indexes[0].dimension"


def test_a_sparse_index_with_cosine_is_an_error(load_docs: LoadDocs) -> None:
    problem = one(index_problems(load_docs, "name: s\nvector_type: sparse\nmetric: cosine"), "rules.sparse")
    assert problem.message == "a sparse index needs metric dotproduct; found 'cosine'"


@pytest.mark.parametrize("metric", ["metric: dotproduct", ""])
def test_a_sparse_index_with_dotproduct_or_no_metric_is_fine(load_docs: LoadDocs, metric: str) -> None:
    assert index_problems(load_docs, f"name: s\nvector_type: sparse\n{metric}") == []


def test_a_dense_index_without_a_dimension_is_an_error(load_docs: LoadDocs) -> None:
    problem = one(index_problems(load_docs, "name: d\nmetric: cosine"), "rules.dimension")
    assert problem.message == "a dense index needs a dimension; found none"
    assert problem.path == "indexes[0]"


@pytest.mark.parametrize("dimension", [0, -3, 20001])
def test_a_dimension_outside_1_to_20000_is_an_error(load_docs: LoadDocs, dimension: int) -> None:
    problem = one(index_problems(load_docs, f"name: d\ndimension: {dimension}"), "rules.dimension")
    assert problem.message == f"dimension must be between 1 and 20000; found {dimension}"


@pytest.mark.parametrize("dimension", [1, 20000])
def test_the_dimension_bounds_are_inclusive(load_docs: LoadDocs, dimension: int) -> None:
    assert index_problems(load_docs, f"name: d\ndimension: {dimension}") == []


def test_a_dense_schema_field_needs_a_valid_dimension(load_docs: LoadDocs) -> None:
    missing = index_problems(load_docs, "name: d\nschema: {fields: {e: {type: dense_vector}}}")
    assert "dense_vector field 'e' needs a dimension" in one(missing, "rules.dimension").message
    too_big = index_problems(
        load_docs, "name: d\nschema: {fields: {e: {type: dense_vector, dimension: 30000}}}"
    )
    assert one(too_big, "rules.dimension").path == "indexes[0].schema.fields.e.dimension"


def test_a_schema_has_at_most_one_dense_field(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nschema: {fields: {a: {type: dense_vector, dimension: 8}, b: {type: dense_vector, dimension: 8}}}",
    )
    assert "at most one dense_vector field; found a, b" in one(problems, "rules.schema_fields").message


def test_reserved_vector_fields_cannot_be_mixed_with_other_fields(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nschema:\n  fields:\n    _values: {type: dense_vector, dimension: 8}\n"
        "    body: {type: string, full_text_search: {}}",
    )
    assert "classic vector index" in one(problems, "rules.schema_fields").message


# ------------------------------------------------------------------ sugar and canonical forms


def test_dimension_together_with_schema_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs, "name: d\ndimension: 8\nschema: {fields: {e: {type: dense_vector, dimension: 8}}}"
    )
    problem = one(problems, "rules.sugar_conflict")
    assert problem.message == "'dimension' and 'schema' both describe the vectors: give one of them"
    assert problem.origin is not None and problem.origin.line == 6 and problem.origin.column == 5


def test_metric_and_vector_type_together_with_schema_are_each_reported(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nmetric: cosine\nvector_type: dense\nschema: {fields: {e: {type: dense_vector, dimension: 8}}}",
    )
    assert [p.path for p in problems] == ["indexes[0].metric", "indexes[0].vector_type"]


def test_spec_together_with_deployment_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\ndimension: 8\nspec: {serverless: {cloud: aws, region: us-east-1}}\ndeployment: {cloud: aws}",
    )
    assert (
        "'spec' and 'deployment' both say where the index runs"
        in one(problems, "rules.sugar_conflict").message
    )


def test_embed_together_with_a_vector_schema_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nembed: {model: multilingual-e5-large, field_map: {text: t}}\n"
        "schema: {fields: {e: {type: dense_vector, dimension: 8}}}",
    )
    assert "schema.fields.e" in one(problems, "rules.sugar_conflict").message


def test_embed_with_full_text_fields_in_the_schema_is_fine(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nembed: {model: multilingual-e5-large, field_map: {text: t}}\n"
        "schema: {fields: {body: {type: string, full_text_search: {language: en}}}}",
    )
    assert problems == []


def test_embed_together_with_dimension_sugar_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs, "name: d\ndimension: 8\nembed: {model: multilingual-e5-large, field_map: {text: t}}"
    )
    assert "the embedding model defines them" in one(problems, "rules.sugar_conflict").message


# ------------------------------------------------------------------ integrated embedding


def test_an_unknown_embedding_model_must_give_metric_and_dimension(load_docs: LoadDocs) -> None:
    problems = index_problems(load_docs, "name: d\nembed: {model: my-model, field_map: {text: t}}")
    problem = one(problems, "rules.embed")
    assert "must give metric and dimension" in problem.message
    assert problem.path == "indexes[0].embed.model"


def test_an_unknown_model_with_metric_and_dimension_is_fine(load_docs: LoadDocs) -> None:
    yaml_text = "name: d\nembed: {model: my-model, metric: cosine, dimension: 384, field_map: {text: t}}"
    assert index_problems(load_docs, yaml_text) == []


def test_an_unknown_sparse_model_needs_only_dotproduct(load_docs: LoadDocs) -> None:
    yaml_text = "name: d\nembed: {model: my-sparse, metric: dotproduct, field_map: {text: t}}"
    assert index_problems(load_docs, yaml_text) == []


def test_a_misspelled_model_gets_a_suggestion(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs, "name: d\nembed: {model: multilingual-e5-larg, field_map: {text: t}}"
    )
    assert one(problems, "rules.embed").hint == "did you mean 'multilingual-e5-large'?"


def test_a_sparse_model_with_a_dimension_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: d\nembed: {model: pinecone-sparse-english-v0, dimension: 1024, field_map: {text: t}}",
    )
    assert "produces sparse vectors, which have no dimension" in one(problems, "rules.embed").message


def test_embed_needs_the_field_to_embed(load_docs: LoadDocs) -> None:
    problems = index_problems(load_docs, "name: d\nembed: {model: multilingual-e5-large, field_map: {}}")
    assert "field_map.text" in one(problems, "rules.embed").message


def test_a_semantic_text_schema_field_with_an_unknown_model_must_give_its_shape(load_docs: LoadDocs) -> None:
    problems = index_problems(load_docs, "name: d\nschema: {fields: {t: {type: semantic_text, model: mine}}}")
    assert one(problems, "rules.embed").path == "indexes[0].schema.fields.t.model"


# ------------------------------------------------------------------ names and tags


@pytest.mark.parametrize("name", ["Apparel", "under_score", "-lead", "trail-", "a" * 46, "dots.dots"])
def test_an_invalid_index_name_is_an_error_with_a_suggestion(load_docs: LoadDocs, name: str) -> None:
    problem = one(index_problems(load_docs, f"name: '{name}'\ndimension: 8"), "rules.index_name")
    assert "1-45 characters of a-z, 0-9 and '-'" in problem.message and repr(name) in problem.message


def test_the_suggested_index_name_is_valid(load_docs: LoadDocs) -> None:
    problem = one(index_problems(load_docs, "name: Apparel_Recs\ndimension: 8"), "rules.index_name")
    assert problem.hint == "e.g. 'apparel-recs'"


@pytest.mark.parametrize("name", ["a", "recs-2", "0", "a" * 45])
def test_valid_index_names_pass(load_docs: LoadDocs, name: str) -> None:
    assert index_problems(load_docs, f"name: '{name}'\ndimension: 8") == []


def test_more_than_20_tags_is_an_error(load_docs: LoadDocs) -> None:
    tags = ", ".join(f"t{i}: v" for i in range(21))
    problem = one(index_problems(load_docs, f"name: d\ndimension: 8\ntags: {{{tags}}}"), "rules.tags")
    assert problem.message == "an index has at most 20 tags; found 21"


@pytest.mark.parametrize(
    ("tag", "fragment"),
    [
        ("'bad key': v", "a tag key must be 1-80 characters"),
        (f"{'k' * 81}: v", "a tag key must be 1-80 characters"),
        (f"k: {'v' * 121}", "at most 120 printable ASCII characters"),
        ("k: 'caf\u00e9'", "printable ASCII"),
        ('k: "a\\tb"', "printable ASCII"),
        ('k: "a\\x7fb"', "printable ASCII"),
        ('k: "a\\x1fb"', "printable ASCII"),
        ("k: 3", "a tag value must be a string; found 3"),
        ("k: ''", "an empty tag value means 'delete this tag'"),
    ],
)
def test_tag_rules(load_docs: LoadDocs, tag: str, fragment: str) -> None:
    problem = one(index_problems(load_docs, f"name: d\ndimension: 8\ntags: {{{tag}}}"), "rules.tags")
    assert fragment in problem.message


def test_every_printable_ascii_character_is_a_valid_tag_value(load_docs: LoadDocs) -> None:
    value = "".join(chr(c) for c in range(0x20, 0x7F)).replace("'", "''")  # " " to "~"
    assert not index_problems(load_docs, f"name: d\ndimension: 8\ntags: {{k: '{value}'}}")


def test_a_bad_tag_key_is_reported_at_the_key(load_docs: LoadDocs) -> None:
    problem = one(
        index_problems(load_docs, "name: d\ndimension: 8\ntags:\n  ok: v\n  bad key: v"), "rules.tags"
    )
    assert problem.origin is not None and (problem.origin.line, problem.origin.column) == (9, 7)


# ------------------------------------------------------------------ deployment and pods


def test_pods_beyond_max_pods_are_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nmax_pods: 3\nindexes:\n"
        "  - {name: a, dimension: 8, spec: {pod: {environment: us-east1-gcp, replicas: 2, shards: 1}}}\n"
        "  - {name: b, dimension: 8, deployment: {deployment_type: pod, environment: us-east1-gcp, shards: 2}}\n"
    )
    problem = one(check_rules(docs), "rules.max_pods")
    assert problem.message == "the project's pod indexes use 4 pods (a: 2 x 1; b: 1 x 2) but max_pods is 3"
    assert problem.path == "max_pods" and problem.hint == "raise max_pods to 4, or lower replicas or shards"


def test_pods_within_max_pods_are_fine(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nmax_pods: 2\nindexes:\n"
        "  - {name: a, dimension: 8, spec: {pod: {environment: us-east1-gcp, replicas: 2}}}\n"
    )
    assert check_rules(docs) == []


def test_pods_are_counted_past_serverless_indexes_and_malformed_pod_sizes(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nmax_pods: 1\nindexes:\n"
        "  - {name: s, dimension: 8, spec: {serverless: {cloud: aws, region: us-east-1}}}\n"
        "  - {name: odd, dimension: 8, spec: {pod: {environment: e, replicas: two}}}\n"
        "  - {name: a, dimension: 8, spec: {pod: {environment: e, replicas: 2}}}\n"
    )
    problem = one(check_rules(docs), "rules.max_pods")
    assert problem.message == "the project's pod indexes use 2 pods (a: 2 x 1) but max_pods is 1"


def test_a_project_without_pod_indexes_never_exceeds_max_pods(load_docs: LoadDocs) -> None:
    # Even a max_pods the schema rejects (below zero) is no pod problem when no pod is used.
    docs = load_docs("kind: Project\nname: p\nmax_pods: -1\nindexes: [{name: s, dimension: 8}]\n")
    assert codes(check_rules(docs)) == []


def test_a_pod_index_in_a_project_without_max_pods_is_over_the_default_of_zero(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nindexes:\n  - {name: a, dimension: 8, spec: {pod: {environment: e}}}\n"
    )
    assert one(check_rules(docs), "rules.max_pods").path == "indexes[0]"


def test_a_pod_index_needs_an_environment(load_docs: LoadDocs) -> None:
    problems = check_rules(
        load_docs(
            "kind: Project\nname: p\nmax_pods: 1\nindexes:\n  - {name: a, dimension: 8, spec: {pod: {}}}\n"
        )
    )
    assert "a pod deployment needs an environment" in one(problems, "rules.deployment").message


def test_a_byoc_index_needs_dedicated_read_capacity(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs, "name: b\ndimension: 8\nspec: {byoc: {environment: aws-us-east-1-b921}}"
    )
    assert "read_capacity mode Dedicated" in one(problems, "rules.deployment").message


def test_spec_with_two_kinds_of_deployment_is_an_error(load_docs: LoadDocs) -> None:
    problems = index_problems(
        load_docs,
        "name: b\ndimension: 8\nspec: {serverless: {cloud: aws, region: us-east-1}, byoc: {environment: e}}",
    )
    assert "exactly one of serverless, pod, byoc" in problems[0].message


# ------------------------------------------------------------------ directives


@pytest.mark.parametrize(
    "path",
    [
        "tags",
        "tags.cost-center",
        "read_capacity",
        "deletion_protection",
        "deployment.replicas",
        "deployment.pod_type",
        "schema.fields.chunk.read_parameters",
        "schema.fields.chunk.write_parameters",
    ],
)
def test_ignore_changes_accepts_attributes_that_change_in_place(load_docs: LoadDocs, path: str) -> None:
    assert index_problems(load_docs, f"name: d\ndimension: 8\nignore_changes: ['{path}']") == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("schema.fields._values.dimension", "dimension is immutable"),
        ("deployment.region", "region is immutable"),
        ("schema", "schema fields are immutable"),
        ("name", "the name is the index's identity"),
    ],
)
def test_ignore_changes_on_an_immutable_path_is_an_error_that_explains(
    load_docs: LoadDocs, path: str, reason: str
) -> None:
    problem = one(
        index_problems(load_docs, f"name: d\ndimension: 8\nignore_changes: ['{path}']"),
        "rules.ignore_changes",
    )
    assert reason in problem.message and "allow_replace" in (problem.hint or "")
    assert problem.path == "indexes[0].ignore_changes[0]"


def test_ignore_changes_on_an_unknown_path_lists_the_valid_ones(load_docs: LoadDocs) -> None:
    problem = one(
        index_problems(load_docs, "name: d\ndimension: 8\nignore_changes: [tag]"), "rules.ignore_changes"
    )
    assert "not an index attribute" in problem.message and "deletion_protection" in problem.message
    assert problem.hint == "did you mean 'tags'?"


def test_allow_replace_is_only_for_indexes(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\napi_keys:\n  - name: k\n    allow_replace: true\n")
    problem = one(check_rules(docs), "rules.allow_replace")
    assert problem.message == "allow_replace applies only to indexes; found it on an API key"
    # At the key itself (column 5), not at its value.
    assert problem.origin is not None and (problem.origin.line, problem.origin.column) == (5, 5)


def test_an_absent_project_that_declares_indexes_or_keys_is_a_contradiction(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nensure: absent\nindexes: [{name: a, dimension: 8}]\napi_keys: [{name: k}]\n"
    )
    problems = [p for p in check_rules(docs) if p.code == "rules.absent_with_resources"]
    assert [p.path for p in problems] == ["indexes", "api_keys"]


def test_an_absent_project_alone_is_fine(load_docs: LoadDocs) -> None:
    assert check_rules(load_docs("kind: Project\nname: old\nensure: absent\n")) == []


def test_unmanaged_items_in_an_absent_project_are_each_reported_at_their_ensure(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: old\nensure: absent\n"
        "indexes:\n  - name: a\n    ensure: unmanaged\n  - name: b\n    ensure: unmanaged\n"
        "api_keys:\n  - name: k\n    ensure: unmanaged\n  - name: j\n"
        "role_bindings:\n  - user: ann@example.com\n    role: ProjectViewer\n    ensure: UNMANAGED\n"
    )

    found = [
        (p.code, p.path, p.origin and p.origin.line, p.message, p.hint)
        for p in check_rules(docs)
        if p.code.startswith("rules.unmanaged") or p.code == "rules.absent_with_resources"
    ]

    # An all-unmanaged list is reported item by item, not also as resources of a deleted project; a
    # list with one managed item is both; only the exact word `unmanaged` counts.
    unmanaged = (
        "rules.unmanaged_in_absent",
        "ensure: unmanaged keeps this object, yet the project is ensure: absent, which deletes it with "
        "everything in it",
        "set ensure: unmanaged on the project to stop managing all of it, or drop this item to let the "
        "project's deletion take it",
    )
    assert found == [
        (unmanaged[0], "indexes[0].ensure", 6, *unmanaged[1:]),
        (unmanaged[0], "indexes[1].ensure", 8, *unmanaged[1:]),
        (unmanaged[0], "api_keys[0].ensure", 11, *unmanaged[1:]),
        (
            "rules.absent_with_resources",
            "api_keys",
            9,
            "ensure: absent deletes the project, yet api_keys are declared in it",
            "remove 'api_keys', or set ensure: present to keep the project",
        ),
        (
            "rules.absent_with_resources",
            "role_bindings",
            13,
            "ensure: absent deletes the project, yet role_bindings are declared in it",
            "remove 'role_bindings', or set ensure: present to keep the project",
        ),
    ]
    assert all(p.origin is not None and p.origin.file.endswith("project.yaml") for p in check_rules(docs))


# ------------------------------------------------------------------ robustness


MALFORMED: list[Any] = [
    None,
    "text",
    [],
    {"kind": "Project"},
    {"kind": "Project", "name": 3, "indexes": "none", "api_keys": {"a": 1}, "role_bindings": [1, None]},
    {"kind": "Project", "name": "p", "indexes": [{"name": ["x"], "tags": [1], "dimension": "big"}]},
    {"kind": "Project", "name": "p", "indexes": [{"schema": {"fields": [1]}, "spec": {"pod": 3}}]},
    {
        "kind": "Project",
        "name": "p",
        "indexes": [{"embed": {"model": 1, "field_map": "t"}, "ignore_changes": "tags"}],
    },
    {"kind": "Project", "name": "p", "max_pods": "x", "indexes": [{"spec": {"pod": {"replicas": "2"}}}]},
    {"kind": "Project", "name": "p", "max_pods": "x", "indexes": [{"spec": {"pod": {"replicas": 2}}}]},
    {
        "kind": "Organization",
        "service_accounts": [None, {"name": None}],
        "role_bindings": [{"user": 1, "role": 2}],
    },
    {"kind": "Workspace"},
]


def test_documents_after_one_that_is_not_a_mapping_are_still_checked() -> None:
    binding = {"user": "alice", "role": "ProjectViewer"}
    docs = [
        SourceDocument("a.yaml", 0, "text"),
        SourceDocument("p.yaml", 0, {"kind": "Project", "name": "p", "role_bindings": [binding]}),
    ]
    assert codes(check_rules(docs)) == ["rules.principal"]


@pytest.mark.parametrize("data", MALFORMED)
def test_rules_never_crash_on_documents_the_schema_rejected(data: Any) -> None:
    check_rules([SourceDocument("bad.yaml", 0, data)])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 30000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
index_keys = st.sampled_from(
    [
        "name",
        "dimension",
        "metric",
        "vector_type",
        "spec",
        "deployment",
        "schema",
        "embed",
        "tags",
        "ignore_changes",
    ]
)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=examples(200), derandomize=MUTATION)
@given(
    indexes=st.lists(st.dictionaries(index_keys, json_values, max_size=6), max_size=3),
    bindings=st.lists(
        st.dictionaries(st.sampled_from(["user", "invite", "service_account", "role"]), json_values)
    ),
    max_pods=json_values,
)
def test_rules_never_crash_on_any_shape_of_project(
    indexes: list[dict[str, Any]], bindings: list[dict[str, Any]], max_pods: Any
) -> None:
    data = {
        "kind": "Project",
        "name": "p",
        "max_pods": max_pods,
        "indexes": indexes,
        "role_bindings": bindings,
    }
    for problem in check_rules([SourceDocument("p.yaml", 0, data)]):
        assert problem.message and problem.code.startswith("rules.")


def test_full_text_search_in_a_cmek_project_is_an_error(load_docs: LoadDocs) -> None:
    docs = load_docs(
        "kind: Project\nname: p\nforce_encryption_with_cmek: true\nindexes:\n  - name: s\n    schema:\n"
        "      fields:\n        e: {type: dense_vector, dimension: 8}\n        body: {type: string, full_text_search: {}}\n"
    )
    problem = one(check_rules(docs), "rules.cmek_full_text_search")
    assert (
        problem.path == "indexes[0].schema.fields.body"
        and problem.origin is not None
        and problem.origin.line == 9
    )


def test_pruning_keys_beside_api_key_env_is_refused(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\napi_key_env: P_KEY\nprune:\n  api_keys: true\n")
    problem = one(check_rules(docs), "rules.prune_own_key")
    assert problem.path == "prune.api_keys"
    assert problem.origin is not None and problem.origin.line == 5
    assert "cannot tell which live key" in problem.message


# ------------------------------------------------------------------ every rule's words

ALL_RULES_BROKEN = {
    "org.yaml": "kind: Organization\nignore_changes: [x]\nservice_accounts:\n  - name: ci\n    allow_replace: true\n  - name: ci\nrole_bindings:\n  - user: dave@example.com\n    role: ProjectEditor\n  - service_account: ci\n    role: OrgManger\n",
    "org2.yaml": "kind: Organization\n",
    "sub/declarate.yaml": "kind: Workspace\n",
    "team.yaml": "kind: Project\nname: team\nforce_encryption_with_cmek: true\nensure: absent\napi_key_env: TEAM_KEY\nprune: {api_keys: true}\nallow_replace: true\nmax_pods: 1\nindexes:\n  - name: recs\n    dimension: 8\n    spec: {pod: {environment: us-east1-gcp, pod_type: p1.x1, replicas: 2, shards: 1}}\n  - name: recs\n    dimension: 8\n  - name: docs\n    schema:\n      fields:\n        body: {type: string, full_text_search: {language: en}}\n    spec: {serverless: {cloud: aws, region: us-east-1}}\napi_keys:\n  - name: svc\n    roles: [ProjectEditer, OrgOwner, DataPlaneViewer]\n    ignore_changes: [roles]\n  - name: svc\nrole_bindings:\n  - user: alice\n    role: OrgMember\n  - user: bob@example.com\n    service_account: ci\n    role: ProjectViewer\n  - role: ProjectViewer\n  - service_account: ghost\n    role: ProjectVeiwer\n    allow_replace: true\n  - user: carol@example.com\n    role: ProjectEditor\n  - invite: carol@example.com\n    role: ProjectEditor\n",
    "team2.yaml": "kind: Project\nname: team\n",
}

ALL_RULES_DIAGNOSTICS = [
    (
        "rules.duplicate_organization",
        "error",
        "org2.yaml:1",
        "kind",
        "at most one Organization document is allowed; found another at org.yaml:1:7",
        "merge the two Organization documents into one",
    ),
    (
        "rules.workspace_location",
        "error",
        "sub/declarate.yaml:1",
        "kind",
        "a Workspace document belongs in declarate.yaml at the top of a config root; found it in sub/declarate.yaml",
        "move it to declarate.yaml",
    ),
    (
        "rules.duplicate_name",
        "error",
        "team2.yaml:2",
        "name",
        "project 'team' is declared twice; the first is at team.yaml:2:7",
        "project names are unique across the config: rename one or merge the two",
    ),
    (
        "rules.duplicate_name",
        "error",
        "org.yaml:6",
        "service_accounts[1].name",
        "service account 'ci' is declared twice in the organization; the first is at org.yaml:4:11",
        "service account names are unique in the organization: rename or remove one",
    ),
    (
        "rules.allow_replace",
        "error",
        "org.yaml:5",
        "service_accounts[0].allow_replace",
        "allow_replace applies only to indexes; found it on a service account",
        "remove 'allow_replace': only an index has immutable fields to replace or attributes other owners may change",
    ),
    (
        "rules.ignore_changes",
        "error",
        "org.yaml:2",
        "ignore_changes",
        "ignore_changes applies only to indexes; found it on the organization",
        "remove 'ignore_changes': only an index has immutable fields to replace or attributes other owners may change",
    ),
    (
        "rules.invalid_role",
        "error",
        "org.yaml:9",
        "role_bindings[0].role",
        "a role binding in the organization takes one of OrgOwner, OrgManager, OrgMember, OrgBillingAdmin; found 'ProjectEditor'",
        "ProjectEditor is a project role: bind it in the Project document's role_bindings",
    ),
    (
        "rules.invalid_role",
        "error",
        "org.yaml:11",
        "role_bindings[1].role",
        "a role binding in the organization takes one of OrgOwner, OrgManager, OrgMember, OrgBillingAdmin; found 'OrgManger'",
        "did you mean 'OrgManager'?",
    ),
    (
        "rules.duplicate_name",
        "error",
        "team.yaml:13",
        "indexes[1].name",
        "index 'recs' is declared twice in project 'team'; the first is at team.yaml:10:11",
        "index names are unique in project 'team': rename or remove one",
    ),
    (
        "rules.duplicate_name",
        "error",
        "team.yaml:24",
        "api_keys[1].name",
        "API key 'svc' is declared twice in project 'team'; the first is at team.yaml:21:11",
        "API key names are unique in project 'team': rename or remove one",
    ),
    (
        "rules.invalid_role",
        "error",
        "team.yaml:22",
        "api_keys[0].roles[0]",
        "an API key may hold only ProjectEditor, ProjectViewer, ControlPlaneEditor, ControlPlaneViewer, DataPlaneEditor, DataPlaneViewer; found 'ProjectEditer'",
        "did you mean 'ProjectEditor'?",
    ),
    (
        "rules.invalid_role",
        "error",
        "team.yaml:22",
        "api_keys[0].roles[1]",
        "an API key may hold only ProjectEditor, ProjectViewer, ControlPlaneEditor, ControlPlaneViewer, DataPlaneEditor, DataPlaneViewer; found 'OrgOwner' (an organization role: an API key belongs to one project)",
        None,
    ),
    (
        "rules.ignore_changes",
        "error",
        "team.yaml:23",
        "api_keys[0].ignore_changes",
        "ignore_changes applies only to indexes; found it on an API key",
        "remove 'ignore_changes': only an index has immutable fields to replace or attributes other owners may change",
    ),
    (
        "rules.principal",
        "error",
        "team.yaml:26",
        "role_bindings[0].user",
        "user must be an email address; found 'alice'",
        "for a service account, use 'service_account: NAME'",
    ),
    (
        "rules.invalid_role",
        "error",
        "team.yaml:27",
        "role_bindings[0].role",
        "a role binding in a project takes one of ProjectOwner, ProjectManager, ProjectMember, ProjectEditor, ProjectViewer, ControlPlaneEditor, ControlPlaneViewer, DataPlaneEditor, DataPlaneViewer; found 'OrgMember'",
        "OrgMember is an organization role: bind it in the Organization document",
    ),
    (
        "rules.principal",
        "error",
        "team.yaml:28",
        "role_bindings[1]",
        "a role binding needs exactly one of user, service_account, invite; found user, service_account",
        "split it into one binding per principal",
    ),
    (
        "rules.principal",
        "error",
        "team.yaml:31",
        "role_bindings[2]",
        "a role binding needs exactly one of user, service_account, invite; found none",
        "add e.g. 'user: EMAIL'",
    ),
    (
        "rules.allow_replace",
        "error",
        "team.yaml:34",
        "role_bindings[3].allow_replace",
        "allow_replace applies only to indexes; found it on a role binding",
        "remove 'allow_replace': only an index has immutable fields to replace or attributes other owners may change",
    ),
    (
        "rules.unresolved_service_account",
        "warning",
        "team.yaml:32",
        "role_bindings[3].service_account",
        "service account 'ghost' is not declared in the Organization document, so it must already exist live (checked when planning)",
        "declare it under Organization service_accounts: [{name: ghost}]",
    ),
    (
        "rules.invalid_role",
        "error",
        "team.yaml:33",
        "role_bindings[3].role",
        "a role binding in a project takes one of ProjectOwner, ProjectManager, ProjectMember, ProjectEditor, ProjectViewer, ControlPlaneEditor, ControlPlaneViewer, DataPlaneEditor, DataPlaneViewer; found 'ProjectVeiwer'",
        "did you mean 'ProjectViewer'?",
    ),
    (
        "rules.duplicate_role_binding",
        "error",
        "team.yaml:37",
        "role_bindings[5]",
        "invite carol@example.com already has role ProjectEditor in this project; the first binding is at team.yaml:35:5",
        "remove one (invite: is an alias of user:)",
    ),
    (
        "rules.allow_replace",
        "error",
        "team.yaml:7",
        "allow_replace",
        "allow_replace applies only to indexes; found it on a project",
        "remove 'allow_replace': only an index has immutable fields to replace or attributes other owners may change",
    ),
    (
        "rules.max_pods",
        "error",
        "team.yaml:8",
        "max_pods",
        "the project's pod indexes use 2 pods (recs: 2 x 1) but max_pods is 1",
        "raise max_pods to 2, or lower replicas or shards",
    ),
    (
        "rules.cmek_full_text_search",
        "error",
        "team.yaml:18",
        "indexes[2].schema.fields.body",
        "full-text search field 'body' cannot be used in a project with force_encryption_with_cmek: true (Pinecone rejects it)",
        "move the index to a project without CMEK enforcement, or drop full_text_search",
    ),
    (
        "rules.prune_own_key",
        "error",
        "team.yaml:6",
        "prune.api_keys",
        "prune.api_keys cannot be combined with api_key_env: the API lists keys without their values, so declarate cannot tell which live key is the one it runs with, and would delete it",
        "drop api_key_env (declarate then uses a temporary key it can recognise), or prune keys by hand",
    ),
    (
        "rules.absent_with_resources",
        "error",
        "team.yaml:9",
        "indexes",
        "ensure: absent deletes the project, yet indexes are declared in it",
        "remove 'indexes', or set ensure: present to keep the project",
    ),
    (
        "rules.absent_with_resources",
        "error",
        "team.yaml:20",
        "api_keys",
        "ensure: absent deletes the project, yet api_keys are declared in it",
        "remove 'api_keys', or set ensure: present to keep the project",
    ),
    (
        "rules.absent_with_resources",
        "error",
        "team.yaml:25",
        "role_bindings",
        "ensure: absent deletes the project, yet role_bindings are declared in it",
        "remove 'role_bindings', or set ensure: present to keep the project",
    ),
]


def test_every_rule_reports_its_own_words_at_its_own_line(
    write_config: WriteConfig, load_docs: LoadDocs
) -> None:
    root = write_config(ALL_RULES_BROKEN)
    docs = load_docs(ALL_RULES_BROKEN)

    def text(value: str | None) -> str | None:
        return None if value is None else value.replace(f"{root}/", "")

    found = [
        (
            d.code,
            d.severity.value,
            f"{Path(d.origin.file).relative_to(root)}:{d.origin.line}" if d.origin else "",
            d.path,
            text(d.message),
            text(d.hint),
        )
        for d in check_rules(docs)
    ]
    assert found == ALL_RULES_DIAGNOSTICS


def test_api_key_env_without_pruning_keys_is_fine(load_docs: LoadDocs) -> None:
    docs = load_docs("kind: Project\nname: p\napi_key_env: P_KEY\nprune: {role_bindings: true}\n")

    assert check_rules(docs) == []


def test_a_second_workspace_document_at_the_root_is_reported_at_its_kind(
    write_config: WriteConfig, load_docs: LoadDocs
) -> None:
    files = {"declarate.yaml": "kind: Workspace\n---\nkind: Workspace\n"}
    root = write_config(files)
    docs = load_docs(files)

    (problem,) = check_rules(docs)

    assert (problem.code, problem.path, problem.origin and problem.origin.line) == (
        "rules.duplicate_workspace",
        "kind",
        3,
    )
    assert (
        problem.message
        == f"at most one Workspace document is allowed; found another at {root}/declarate.yaml:1:7"
    )
    assert problem.hint == "merge the Workspace documents into one"
