"""End-to-end harness: the `declarate` CLI in its own process against a served local control plane.

Each test gets its own control plane on a free loopback port and its own working directory, and
drives it as a user would: YAML files on disk, the CLI, and out-of-band changes through the
official `pinecone` SDK.
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests import forked_cli

PLAN_SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json").read_text())


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(server: Any | None) -> dict[str, str]:
    # CI too: CI runs the suite with CI=true, which adds a warning to embedded-target runs; a test that
    # is about CI sets it itself.
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "CI" and not k.startswith(("PINECONE_", "DECLARATE_", "GITHUB_"))
    }
    env["NO_COLOR"] = "1"
    if server is not None:
        env.update(
            DECLARATE_API_URL=server.url,
            PINECONE_CLIENT_ID=server.client_id,
            PINECONE_CLIENT_SECRET=server.client_secret,
        )
    return env


class Cli:
    """Runs `declarate ...` in the test's working directory: `python -m declarate.cli` as a user
    would, forked from a helper that imported declarate once (`tests/forked_cli.py`). A test about
    the process itself (start-up, signals, a terminal) starts its own subprocess."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env

    def __call__(self, *args: str, stdin: str = "", extra_env: dict[str, str] | None = None) -> Run:
        done = forked_cli.run(args, cwd=self.cwd, env={**self.env, **(extra_env or {})}, input=stdin)
        assert "Traceback" not in done.stderr, done.stderr
        if args and args[0] == "plan" and done.returncode in (0, 2, 3):
            self._validate_plans(args, done.stdout)
        return Run(done.returncode, done.stdout, done.stderr)

    def _validate_plans(self, args: tuple[str, ...], stdout: str) -> None:
        """Every JSON plan a test makes, printed or saved, must match schemas/plan.schema.json."""
        validator = Draft202012Validator(PLAN_SCHEMA)
        if "json" in args and args[args.index("json") - 1] == "--format":
            validator.validate(json.loads(stdout))
        if "--out" in args:
            validator.validate(json.loads((self.cwd / args[args.index("--out") + 1]).read_text()))

    def write(self, relative: str, text: str) -> Path:
        path = self.cwd / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path


class Sdk:
    """Out-of-band changes through the official SDK, as a colleague clicking in the console would."""

    def __init__(self, server: Any) -> None:
        import pinecone

        self._pinecone = pinecone
        self.url = server.url
        self.admin = pinecone.Admin(
            client_id=server.client_id,
            client_secret=server.client_secret,
            host=server.url,
            oauth_url=server.url + "/oauth/token",
        )
        self._keys: dict[str, str] = {}

    def project_id(self, name: str) -> str:
        return str(self.admin.projects.describe_by_name(name=name).id)

    def control(self, project: str) -> Any:
        """A control-plane client holding a fresh ProjectEditor key of `project`."""
        if project not in self._keys:
            created = self.admin.api_keys.create(
                project_id=self.project_id(project), name="oob-editor", roles=["ProjectEditor"]
            )
            self._keys[project] = created.value
        return self._pinecone.Pinecone(api_key=self._keys[project], host=self.url)

    def key_values(self) -> list[str]:
        return list(self._keys.values())
