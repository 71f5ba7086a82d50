"""Shared fixtures for config tests: YAML text in, SourceDocuments (with positions) out."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from declarate.config.document import SourceDocument
from declarate.config.pipeline import load_config

WriteConfig = Callable[[dict[str, str]], Path]
LoadDocs = Callable[..., list[SourceDocument]]
READING_LAYERS = ("config", "yaml", "interpolate")  # diagnostic codes of reading files, not of judging them


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write {relative path: YAML text} under a fresh config root and return the root."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "config"
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write


@pytest.fixture
def load_docs(write_config: WriteConfig) -> LoadDocs:
    """load_docs(text) or load_docs({path: text, ...}) -> the documents `load_config` reads from them.

    The YAML must load cleanly: these fixtures arrange input for the layers after the loader, so only
    the reading layers' diagnostics (config, yaml, interpolate) must be absent.
    """

    def load(
        files: str | dict[str, str], file: str = "project.yaml", env: dict[str, str] | None = None
    ) -> list[SourceDocument]:
        root = write_config({file: files} if isinstance(files, str) else files)
        config = load_config([root], env=env or {}, every=True)
        problems = [d for d in config.diagnostics if d.code.partition(".")[0] in READING_LAYERS]
        assert problems == [], problems
        return config.documents

    return load
