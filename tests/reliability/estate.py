"""Shared arrangements of the reliability tests: a fleet config, a duplicate census, CLI runs.

`fleet_config` writes a config with several projects, indexes, API keys, a service account and
role bindings. `Census` counts, through the official SDK and the Admin API (never through
declarate), every object that exists live, so a test can assert there are no duplicates and no
leftover temporary keys. `apply_until_clean` re-runs `declarate apply` a bounded number of times,
as an operator (or a CI retry) would after a failure.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pinecone import Pinecone

from tests.e2e.harness import Cli, Run, Sdk

TEMPORARY_KEY_PREFIX = "declarate-tmp-"
CENSUS_KEY = "census-reader"  # the key the census itself mints to list indexes, then deletes

ORGANIZATION = """
kind: Organization
service_accounts:
  - name: fleet-ci
role_bindings:
  - service_account: fleet-ci
    role: OrgMember
  - invite: robin@example.com
    role: OrgMember
"""

TEAM = """
kind: Project
name: {name}
indexes:
  - name: recs
    dimension: 8
  - name: search
    dimension: 16
    metric: dotproduct
    tags: {{team: {name}}}
api_keys:
  - name: recs-service
    roles: [DataPlaneEditor]
  - name: search-reader
    roles: [DataPlaneViewer]
role_bindings:
  - service_account: fleet-ci
    role: ProjectViewer
"""

FLEET_PROJECTS = ("team-a", "team-b", "team-c")


def fleet_config(cli: Cli, projects: Sequence[str] = FLEET_PROJECTS, root: str = "config") -> None:
    """Write the fleet config under `root`: one Organization document and one file per project."""
    cli.write(f"{root}/organization.yaml", ORGANIZATION)
    for name in projects:
        cli.write(f"{root}/projects/{name}.yaml", TEAM.format(name=name))


@dataclass(frozen=True)
class Census:
    """How many live objects of each identity exist (an identity seen twice is a duplicate)."""

    projects: Counter[str]
    api_keys: Counter[str]  # "project/NAME/api-key/KEY"
    service_accounts: Counter[str]
    role_bindings: Counter[str]  # "principal_type:principal_id -> resource_type:resource_id role"
    indexes: Counter[str]  # "project/NAME/index/INDEX"

    @classmethod
    def take(cls, sdk: Sdk) -> Census:
        """Count everything through the SDK; the reader key it needs is counted out and deleted."""
        admin = sdk.admin
        projects = list(admin.projects.list())
        api_keys: Counter[str] = Counter()
        indexes: Counter[str] = Counter()
        for project in projects:
            for key in admin.api_keys.list(project_id=project.id):
                api_keys[f"project/{project.name}/api-key/{key.name}"] += 1
            reader = admin.api_keys.create(
                project_id=project.id, name=CENSUS_KEY, roles=["ControlPlaneViewer"]
            )
            try:
                for index in Pinecone(api_key=reader.value, host=sdk.url).list_indexes():
                    indexes[f"project/{project.name}/index/{index.name}"] += 1
            finally:
                admin.api_keys.delete(api_key_id=reader.key.id)
        bindings = Counter(
            f"{b.principal_type}:{b.principal_id} -> {b.resource_type}:{b.resource_id} {b.role}"
            for b in admin.role_bindings.list()
        )
        return cls(
            projects=Counter(p.name for p in projects),
            api_keys=api_keys,
            service_accounts=Counter(a.name for a in admin.service_accounts.list()),
            role_bindings=bindings,
            indexes=indexes,
        )

    def duplicates(self) -> dict[str, int]:
        """Every identity that exists more than once, with its count (empty when all are unique)."""
        counted: list[tuple[str, Counter[str]]] = [
            ("project/", self.projects),
            ("", self.api_keys),
            ("service-account/", self.service_accounts),
            ("role-binding ", self.role_bindings),
            ("", self.indexes),
        ]
        return {prefix + name: n for prefix, counter in counted for name, n in counter.items() if n > 1}

    def temporary_keys(self) -> list[str]:
        """Temporary control-plane keys still alive."""
        return sorted(k for k in self.api_keys if k.split("/api-key/")[1].startswith(TEMPORARY_KEY_PREFIX))


def apply_until_clean(cli: Cli, *args: str, runs: int = 6) -> list[Run]:
    """Run `apply --auto-approve` until one exits 0, at most `runs` times; every run, in order."""
    done: list[Run] = []
    for _ in range(runs):
        done.append(cli("apply", *args, "--auto-approve"))
        if done[-1].code == 0:
            break
    return done


def start_cli(cli: Cli, *args: str) -> subprocess.Popen[str]:
    """Start `declarate ARGS` in the background in the CLI's working directory (stdin closed)."""
    return subprocess.Popen(
        [sys.executable, "-m", "declarate.cli", *args],
        cwd=cli.cwd,
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Run:
    """Wait for a background CLI run; its exit code and output (no traceback allowed)."""
    stdout, stderr = process.communicate(timeout=timeout)
    assert "Traceback" not in stderr, stderr
    return Run(process.returncode, stdout, stderr)


def secret_files(cwd: Path) -> list[Path]:
    """The secret files a run in `cwd` wrote to the default secrets directory."""
    directory = cwd / ".declarate" / "secrets"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name != ".gitignore")
