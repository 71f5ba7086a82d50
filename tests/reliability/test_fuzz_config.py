"""Fuzzing the config loader: whatever bytes are in a config file, the answer is diagnostics.

`load_config` must never raise on user input: random bytes, YAML-ish noise, structures nested far
beyond any config, alias bombs and recursive aliases, and documents assembled from the schema's own
keys with values of every wrong type all come back as a LoadedConfig whose errors explain what is
wrong. And `declarate validate` on the nastiest of them exits 1 with no traceback.
"""

from __future__ import annotations

import random
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarate.config.pipeline import LoadedConfig, load_config
from declarate.config.schema import config_schema
from declarate.diagnostics import Severity
from tests.e2e.harness import Cli, cli_env

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_SLOW = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENV = {"DEFINED": "from-env", "EMPTY": ""}


def schema_keys() -> list[str]:
    """Every property name the config schema knows, so fuzzed documents get past the first check."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                found.update(properties)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config_schema())
    return sorted(found)


KEYS = schema_keys()
KINDS = ["Project", "Organization", "Workspace", "project", "Index", ""]
YAML_PIECES = [
    "kind: Project\n", "name: team-a\n", "indexes:\n", "  - ", "    ", "- ", "name: ", "dimension: ",
    "&a ", "*a", "<<: *a\n", "---\n", "...\n", "!!python/object/apply:os.system ['true']\n",
    "!!binary aGk=\n", "!custom ", "{", "}", "[", "]", ", ", ": ", "? ", "|\n", ">-\n", "'", '"',
    "#", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "${DEFINED}", "${UNSET}", "${", "$${", "${A:-b}",
    "\t", "\x00", "\ufeff", "\x85", "\u2028", "0x1F", "1e400", ".nan", "-.inf", "~", "null",
    "yes", "on", "2026-11-24", "\\", "\n", "\r\n", " ", "é", "💥",
]  # fmt: skip


def load(text: str | bytes, name: str = "fuzz.yaml") -> LoadedConfig:
    """Load one config file holding `text` from a fresh config root."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config" / name
        path.parent.mkdir()
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        return load_config([path.parent], ENV)


def assert_answered_with_diagnostics(config: LoadedConfig) -> None:
    """The loader's contract: a LoadedConfig; refused input says why, each problem located in the file."""
    assert isinstance(config, LoadedConfig)
    for diagnostic in config.diagnostics:
        assert diagnostic.message.strip() and diagnostic.code
        if diagnostic.origin is not None:
            assert diagnostic.origin.file.endswith((".yaml", ".yml"))
    if not config.ok:
        assert any(d.severity is Severity.ERROR for d in config.diagnostics)


# -- generators, shared by the properties and the validate runs -----------------------------------


def deep_flow(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    body = opener * depth + closer * depth if opener == "[" else "{a: " * depth + "1" + "}" * depth
    return f"kind: Project\nname: deep\nindexes: {body}\n"


def deep_block(depth: int) -> str:
    lines = ["kind: Project", "name: deep", "tags:"]
    lines += [" " * (2 * level) + f"k{level}:" for level in range(1, depth + 1)]
    return "\n".join(lines) + " end\n"


def alias_bomb(width: int, depth: int) -> str:
    lines = ["kind: Project", "name: bomb", f"l0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def recursive_alias() -> str:
    return "kind: Project\nname: loop\ntags: &t\n  self: *t\nindexes: &i [*i]\n"


def values(keys: list[str]) -> st.SearchStrategy[Any]:
    """Random YAML values: every scalar type, and lists and mappings keyed by schema keys."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(
            ["cosine", "dense", "sparse", "enabled", "aws", "us-east-1", "${DEFINED}", "${UNSET}"]
        ),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=8)), inner, max_size=5),
        ),
        max_leaves=25,
    )


@st.composite
def schema_documents(draw: st.DrawFn) -> str:
    """One to three YAML documents built from the schema's keys with random values."""
    documents = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        document = draw(st.dictionaries(st.sampled_from(KEYS), values(KEYS), max_size=8))
        if draw(st.booleans()):
            document["kind"] = draw(st.sampled_from(KINDS))
        documents.append(document)
    return yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)


# -- properties ----------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_come_back_as_diagnostics(content: bytes) -> None:
    assert_answered_with_diagnostics(load(content))


@FUZZ
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join))
def test_yaml_shaped_noise_comes_back_as_diagnostics(text: str) -> None:
    assert_answered_with_diagnostics(load(text))


@FUZZ
@given(st.text(max_size=400))
def test_random_text_comes_back_as_diagnostics(text: str) -> None:
    assert_answered_with_diagnostics(load(text))


@FUZZ_SLOW
@given(
    st.one_of(
        st.integers(min_value=1, max_value=5000).map(deep_flow),
        st.integers(min_value=1, max_value=3000).map(lambda depth: deep_flow(depth, "{")),
        st.integers(min_value=1, max_value=400).map(deep_block),
        st.tuples(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12)).map(
            lambda shape: alias_bomb(*shape)
        ),
        st.just(recursive_alias()),
    )
)
def test_deep_structures_and_alias_bombs_come_back_as_diagnostics(text: str) -> None:
    assert_answered_with_diagnostics(load(text))


@FUZZ
@given(schema_documents())
def test_documents_from_the_schemas_keys_with_random_values_come_back_as_diagnostics(text: str) -> None:
    assert_answered_with_diagnostics(load(text))


@FUZZ_SLOW
@given(schema_documents(), st.sampled_from(["declarate.yaml", "team.yml", "nested/deeper/x.yaml"]))
def test_any_file_name_in_the_root_is_handled_alike(text: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config" / name
        path.parent.mkdir(parents=True)
        path.write_text(text)
        assert_answered_with_diagnostics(load_config([Path(directory) / "config"], ENV))


# -- the CLI on the nastiest inputs --------------------------------------------------------------


def nastiest() -> dict[str, bytes]:
    noise = random.Random(6)
    soup = "".join(noise.choice(YAML_PIECES) for _ in range(4000))
    wrong_types = yaml.safe_dump(
        {"kind": "Project", **{key: noise.choice([None, [1, [2]], {"x": True}, 1e300, "💥"]) for key in KEYS}}
    )
    return {
        "random-bytes": bytes(noise.randrange(256) for _ in range(20000)),
        "yaml-soup": soup.encode("utf-8", "surrogatepass"),
        "nested-10000-deep": deep_flow(10000).encode(),
        "alias-bomb-12x12": alias_bomb(12, 12).encode(),
        "recursive-alias": recursive_alias().encode(),
        "every-key-wrong-type": wrong_types.encode(),
    }


def test_validate_rejects_the_nastiest_inputs_with_exit_1_and_no_traceback(tmp_path: Path) -> None:
    cli = Cli(tmp_path, cli_env(None))
    for name, content in nastiest().items():
        path = tmp_path / name / "config.yaml"
        path.parent.mkdir()
        path.write_bytes(content)
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(
            zip(nastiest(), pool.map(lambda name: cli("validate", "-f", name), nastiest()), strict=True)
        )
    for name, run in runs.items():
        assert run.code == 1, f"{name}: {run.output}"
        assert "config.yaml" in run.stderr, f"{name}: {run.stderr[:500]}"
        assert not run.stdout.startswith("Valid"), name
