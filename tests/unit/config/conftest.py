"""Shared fixtures for config tests: YAML text in, SourceDocuments (with positions) out."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from declarate.config.document import SourceDocument
from declarate.config.loader import load_documents

WriteConfig = Callable[[dict[str, str]], Path]
LoadDocs = Callable[..., list[SourceDocument]]


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
    """load_docs(text) or load_docs({path: text, ...}) -> the documents the loader reads from those files.

    The YAML must load cleanly: these fixtures arrange input for the layers after the loader.
    """

    def load(
        files: str | dict[str, str], file: str = "project.yaml", env: dict[str, str] | None = None
    ) -> list[SourceDocument]:
        root = write_config({file: files} if isinstance(files, str) else files)
        docs, problems = load_documents([root], env=env or {})
        assert problems == [], problems
        return docs

    return load
