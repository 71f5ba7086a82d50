"""Synthetic estates: a config root of P projects x I indexes, written as valid declarate YAML.

The benchmarks plan, apply and validate these roots. Output is deterministic for a given seed, so two
runs measure the same estate. This module only writes files; it never talks to an API and never
validates (that is `declarate validate`'s job, and the benchmark measures it).

    python bench/estate.py OUT --projects 50 --indexes 100 [--keys 1] [--bindings 1] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

METRICS = ("cosine", "dotproduct", "euclidean")
TEAMS = ("search", "recs", "ads", "support", "growth", "fraud")
# Roles a service account may hold on a project; each binding of one account needs a distinct role,
# because a role binding is identified by scope + principal + role.
PROJECT_ROLES = (
    "ProjectViewer",
    "ControlPlaneViewer",
    "DataPlaneViewer",
    "DataPlaneEditor",
    "ControlPlaneEditor",
    "ProjectEditor",
)
KEY_ROLES = ("DataPlaneEditor", "DataPlaneViewer", "ControlPlaneViewer")
DIMENSION_MIN, DIMENSION_MAX = 8, 1536


@dataclass(frozen=True)
class IndexSpec:
    """One generated index, as the YAML declares it."""

    name: str
    dimension: int
    metric: str
    team: str


def project_name(number: int) -> str:
    return f"bench-p{number:03d}"


def index_name(number: int) -> str:
    return f"idx-{number:04d}"


def service_account_name(number: int) -> str:
    return f"bench-ci-{number}"


def service_accounts_needed(bindings_per_project: int) -> int:
    """Enough service accounts that every binding in a project is a distinct (principal, role)."""
    return math.ceil(bindings_per_project / len(PROJECT_ROLES))


def index_specs(project: int, indexes_per_project: int, seed: int) -> list[IndexSpec]:
    """The indexes of one project; a per-project generator keeps projects independent of each other."""
    rng = random.Random(f"{seed}/{project}")
    return [
        IndexSpec(
            name=index_name(i),
            dimension=rng.randint(DIMENSION_MIN, DIMENSION_MAX),
            metric=rng.choice(METRICS),
            team=rng.choice(TEAMS),
        )
        for i in range(indexes_per_project)
    ]


def project_yaml(
    number: int, indexes_per_project: int, *, keys_per_project: int, bindings_per_project: int, seed: int
) -> str:
    """The YAML text of one Project document."""
    lines = [
        "kind: Project",
        f"name: {project_name(number)}",
        f"description: synthetic benchmark project {number}",
    ]
    specs = index_specs(number, indexes_per_project, seed)
    if specs:
        lines.append("indexes:")
    for spec in specs:
        lines += [
            f"  - name: {spec.name}",
            f"    dimension: {spec.dimension}",
            f"    metric: {spec.metric}",
            "    spec: {serverless: {cloud: aws, region: us-east-1}}",
            "    deletion_protection: disabled",
            f"    tags: {{team: {spec.team}}}",
        ]
    if keys_per_project:
        lines.append("api_keys:")
    for k in range(keys_per_project):
        lines += [f"  - name: key-{k}", f"    roles: [{KEY_ROLES[k % len(KEY_ROLES)]}]"]
    if bindings_per_project:
        lines.append("role_bindings:")
    for b in range(bindings_per_project):
        account = service_account_name(b // len(PROJECT_ROLES))
        lines += [f"  - service_account: {account}", f"    role: {PROJECT_ROLES[b % len(PROJECT_ROLES)]}"]
    return "\n".join(lines) + "\n"


def organization_yaml(bindings_per_project: int) -> str:
    """The Organization document declaring the service accounts the project bindings reference."""
    lines = ["kind: Organization", "service_accounts:"]
    for n in range(service_accounts_needed(bindings_per_project)):
        lines += [f"  - name: {service_account_name(n)}", "    description: benchmark CI principal"]
    return "\n".join(lines) + "\n"


def generate(
    root: Path,
    projects: int,
    indexes_per_project: int,
    *,
    keys_per_project: int = 1,
    bindings_per_project: int = 1,
    seed: int = 0,
) -> None:
    """Write the estate under `root`: `projects/bench-pNNN.yaml` per project, and `organization.yaml`.

    `organization.yaml` declares the service accounts the role bindings reference; with no bindings
    it is not written.

    `root/projects` is replaced, so regenerating with fewer projects leaves no stale files behind.
    """
    if projects < 0 or indexes_per_project < 0 or keys_per_project < 0 or bindings_per_project < 0:
        raise ValueError("counts must be >= 0")
    root.mkdir(parents=True, exist_ok=True)
    folder = root / "projects"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    organization = root / "organization.yaml"
    if bindings_per_project:
        organization.write_text(organization_yaml(bindings_per_project))
    else:
        organization.unlink(missing_ok=True)
    for number in range(projects):
        text = project_yaml(
            number,
            indexes_per_project,
            keys_per_project=keys_per_project,
            bindings_per_project=bindings_per_project,
            seed=seed,
        )
        (folder / f"{project_name(number)}.yaml").write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic declarate config root.")
    parser.add_argument("out", type=Path, help="the config root to write")
    parser.add_argument("--projects", type=int, required=True)
    parser.add_argument("--indexes", type=int, required=True, help="indexes per project")
    parser.add_argument("--keys", type=int, default=1, help="API keys per project")
    parser.add_argument("--bindings", type=int, default=1, help="role bindings per project")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    generate(
        args.out,
        args.projects,
        args.indexes,
        keys_per_project=args.keys,
        bindings_per_project=args.bindings,
        seed=args.seed,
    )
    total = args.projects * args.indexes
    print(f"Wrote {args.projects} projects x {args.indexes} indexes ({total}) to {args.out}")


if __name__ == "__main__":
    main()
