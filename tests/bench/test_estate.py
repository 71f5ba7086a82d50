"""The estate generator writes config a user could have written: valid, deterministic, as sized."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from estate import DIMENSION_MAX, DIMENSION_MIN, generate

from declarate.config.pipeline import load_config


def _documents(root: Path) -> list[dict[str, Any]]:
    return [
        doc for path in sorted(root.rglob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc
    ]


def test_generated_estate_has_one_file_per_project_and_the_requested_indexes(tmp_path: Path) -> None:
    generate(tmp_path, 4, 7, keys_per_project=2, bindings_per_project=3)

    projects = [d for d in _documents(tmp_path) if d["kind"] == "Project"]
    assert len(list((tmp_path / "projects").glob("*.yaml"))) == 4
    assert [len(p["indexes"]) for p in projects] == [7, 7, 7, 7]
    assert all(len(p["api_keys"]) == 2 and len(p["role_bindings"]) == 3 for p in projects)
    for project in projects:
        for index in project["indexes"]:
            assert DIMENSION_MIN <= index["dimension"] <= DIMENSION_MAX
            assert index["spec"] == {"serverless": {"cloud": "aws", "region": "us-east-1"}}
            assert index["deletion_protection"] == "disabled"


def test_generation_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    generate(tmp_path / "a", 3, 5, seed=7)
    generate(tmp_path / "b", 3, 5, seed=7)
    generate(tmp_path / "c", 3, 5, seed=8)

    assert _documents(tmp_path / "a") == _documents(tmp_path / "b")
    assert _documents(tmp_path / "a") != _documents(tmp_path / "c")


def test_regenerating_smaller_leaves_no_stale_projects(tmp_path: Path) -> None:
    generate(tmp_path, 5, 1)
    generate(tmp_path, 2, 1, bindings_per_project=0)

    assert len(list((tmp_path / "projects").glob("*.yaml"))) == 2
    assert not (tmp_path / "organization.yaml").exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    projects=st.integers(1, 4),  # an empty config is refused, by design
    indexes=st.integers(0, 6),
    keys=st.integers(0, 4),
    bindings=st.integers(0, 8),
    seed=st.integers(0, 1000),
)
def test_every_generated_estate_validates_cleanly(
    tmp_path_factory: pytest.TempPathFactory, projects: int, indexes: int, keys: int, bindings: int, seed: int
) -> None:
    root = tmp_path_factory.mktemp("estate")
    generate(root, projects, indexes, keys_per_project=keys, bindings_per_project=bindings, seed=seed)

    config = load_config([str(root)], {})

    assert config.ok, [str(d) for d in config.diagnostics]
    assert not config.diagnostics
