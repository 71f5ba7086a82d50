"""End-to-end fixtures: a served local control plane per test, the CLI and the official SDK."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from declarate.local import running_server
from tests.e2e.harness import Cli, Sdk, cli_env


@pytest.fixture
def server() -> Iterator[Any]:
    with running_server(ready_after=0) as handle:
        yield handle


@pytest.fixture
def cli(server: Any, tmp_path: Path) -> Cli:
    return Cli(tmp_path, cli_env(server))


@pytest.fixture
def embedded_cli(tmp_path: Path) -> Cli:
    """No credentials, no server: the embedded default target."""
    return Cli(tmp_path, cli_env(None))


@pytest.fixture
def sdk(server: Any) -> Sdk:
    return Sdk(server)
