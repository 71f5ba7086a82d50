"""Security tests drive the CLI like the end-to-end tests: the same per-test server, CLI and SDK."""

from __future__ import annotations

from tests.e2e.conftest import cli, embedded_cli, sdk, server

__all__ = ["cli", "embedded_cli", "sdk", "server"]
