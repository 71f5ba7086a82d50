"""The config pipeline: roots in, desired state, settings and every diagnostic out."""

from __future__ import annotations

from pathlib import Path

import pytest

from declarate.config.pipeline import load_config
from declarate.diagnostics import Severity
from declarate.model.address import Address

from .conftest import WriteConfig

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize("example", ["quickstart", "full"])
def test_every_example_validates_without_errors(example: str) -> None:
    config = load_config([EXAMPLES / example], env={})
    problems = [str(d) for d in config.diagnostics if d.severity is Severity.ERROR]
    assert problems == []
    assert config.ok and len(config.desired) > 0


def test_the_quickstart_declares_two_teams_sharing_one_ci_account() -> None:
    config = load_config([EXAMPLES / "quickstart"], env={})
    assert config.diagnostics == []
    assert sorted(str(r.address) for r in config.desired) == [
        "project/apparel-team",
        "project/apparel-team/index/apparel-recs",
        "project/apparel-team/role-binding/service-account:recs-ci/ProjectViewer",
        "project/electronics-team",
        "project/electronics-team/index/electronics-recs",
        "project/electronics-team/role-binding/service-account:recs-ci/ProjectEditor",
        "service-account/recs-ci",
    ]
    index = config.desired.get(Address.index("apparel-team", "apparel-recs"))
    assert index is not None
    assert index.attrs["schema"]["fields"]["_values"] == {
        "type": "dense_vector",
        "dimension": 1536,
        "metric": "cosine",
    }
    assert index.attrs["deletion_protection"] == "disabled"
    assert config.desired.scopes == {"organization", "project/apparel-team", "project/electronics-team"}
    assert len(config.files) == 4 and all(f.endswith(".yaml") for f in config.files)


def test_the_full_example_reads_its_workspace_policies_and_env_defaults() -> None:
    config = load_config([EXAMPLES / "full"], env={})
    assert config.settings.safety.max_delete_fraction == 0.5
    assert config.settings.policies.forbid_roles == ("ProjectEditor",)
    products = config.desired.get(Address.index("search", "products"))
    assert products is not None and products.attrs["tags"]["env"] == "prod"
    staging = load_config([EXAMPLES / "full"], env={"DEPLOY_ENV": "staging"})
    staged = staging.desired.get(Address.index("search", "products"))
    assert staged is not None and staged.attrs["tags"]["env"] == "staging"
    assert staging.desired.directives_for("project/retired-experiments").ensure_absent


def test_a_root_without_documents_is_an_error_so_nothing_is_ever_deleted(write_config: WriteConfig) -> None:
    root = write_config({"empty.yaml": "# nothing here yet\n"})
    config = load_config([root], env={})
    assert not config.ok
    empty = [d for d in config.diagnostics if d.code == "config.empty"]
    assert len(empty) == 1 and empty[0].message == f"no documents found under {root}"
    assert len(config.desired) == 0 and config.desired.scopes == frozenset()


def test_a_missing_root_is_one_error(tmp_path: Path) -> None:
    config = load_config([tmp_path / "nowhere"], env={})
    assert not config.ok
    assert [d.code for d in config.diagnostics] == ["config.not_found"]


@pytest.mark.parametrize("text", ["kind: Project\nname: a\n\tdescription: x\n", "kind: Project\nname: [a\n"])
def test_a_file_that_does_not_parse_is_one_error_not_also_an_empty_config(
    write_config: WriteConfig, text: str
) -> None:
    config = load_config([write_config({"a.yaml": text})], env={})
    assert len(config.diagnostics) == 1 and config.diagnostics[0].code.startswith("yaml."), config.diagnostics


def test_warnings_alone_keep_the_config_usable(write_config: WriteConfig) -> None:
    root = write_config(
        {
            "p.yaml": "kind: Project\nname: p\nrole_bindings:\n  - {service_account: deployer, role: ProjectViewer}\n"
        }
    )
    config = load_config([root], env={})
    assert [d.code for d in config.diagnostics] == ["rules.unresolved_service_account"]
    assert config.ok


def test_every_problem_of_every_file_is_reported_in_one_run(write_config: WriteConfig) -> None:
    root = write_config(
        {
            "a.yaml": "kind: Project\nname: a\nindexes: [{name: x, vector_type: sparse, metric: cosine}]\n",
            "b.yaml": "kind: Project\nname: b\napi_keys: [{name: k, roles: [OrgOwner]}]\n",
            "c.yaml": "kind: Organization\n---\nkind: Organization\n",
        }
    )
    problems = load_config([root], env={}).diagnostics
    assert sorted(Path(d.origin.file).name for d in problems if d.origin) == ["a.yaml", "b.yaml", "c.yaml"]
    assert all(d.severity is Severity.ERROR for d in problems)


def test_a_document_that_fails_the_schema_is_left_out_of_the_desired_state(write_config: WriteConfig) -> None:
    root = write_config(
        {
            "good.yaml": "kind: Project\nname: good\n",
            "bad.yaml": "kind: Project\nname: bad\nindexes: [{name: x, dimensoin: 8}]\n",
        }
    )
    config = load_config([root], env={})
    assert not config.ok
    assert any(d.code.startswith("schema.") for d in config.diagnostics)
    assert config.desired.scopes == {"project/good"}


def test_an_unset_variable_is_reported_once_not_again_as_a_bad_name(write_config: WriteConfig) -> None:
    root = write_config(
        {"p.yaml": "kind: Project\nname: p\nindexes:\n  - {name: '${TEAM}-recs', dimension: 8}\n"}
    )
    config = load_config([root], env={})
    assert [(d.code, d.path) for d in config.diagnostics] == [("interpolate.unset", "indexes[0].name")]
    resolved = load_config([root], env={"TEAM": "apparel"})
    assert resolved.ok and Address.index("p", "apparel-recs") in resolved.desired


def test_the_digest_follows_the_bytes_of_every_file(write_config: WriteConfig) -> None:
    root = write_config({"p.yaml": "kind: Project\nname: p\n", "q.yaml": "kind: Project\nname: q\n"})
    first = load_config([root], env={})
    assert load_config([root], env={}).digest == first.digest
    (root / "q.yaml").write_text("kind: Project\nname: q  # a comment changes the bytes\n")
    edited = load_config([root], env={})
    assert edited.digest != first.digest
    (root / "r.yaml").write_text("# an empty file is still read\n")
    assert load_config([root], env={}).digest != edited.digest


def test_the_workspace_settings_come_from_declarate_yaml(write_config: WriteConfig) -> None:
    root = write_config(
        {
            "declarate.yaml": "kind: Workspace\nownership_tag: {key: owner, value: platform}\n",
            "p.yaml": "kind: Project\nname: p\n",
        }
    )
    config = load_config([root], env={})
    assert config.ok and dict(config.settings.ownership_tag) == {"owner": "platform"}
