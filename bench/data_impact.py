"""Benchmark what the plan's data-impact reads cost: one request per index delete or replace, none else.

    python bench/data_impact.py [--projects 5] [--indexes 20] [--records 100] [--latency-ms 10] [--out FILE]

A served local control plane (`python -m declarate.local serve`, with injected latency) holds an estate
of `--projects` x `--indexes` indexes that `declarate apply` created; every index then receives
`--records` records over two namespaces through the official SDK, on the host describe returns.
`declarate plan --format json` then runs, as a child process, over configs that destroy more and more
of it (nothing; one delete; a tenth of the indexes deleted and as many replaced; every index of one
project deleted; one index renamed; renames beside deletes), and the server's own counters (`GET /_local/stats`, reset before each plan) say how
many `describe_index_stats` requests each plan sent. Each destroyed index must show its records, and so
must each renamed one (a rename reads its old index once, to show what it carries).

Prints a table and writes JSON (default `bench/results/data_impact.json`; `--quick`
`bench/results/data_impact_quick.json`). Exit 0 when it ran, whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from server import ServedControlPlane, served  # noqa: E402

STATS_ROUTE = "/describe_index_stats"
DIMENSION = 4


@dataclass(frozen=True)
class Case:
    """One plan over the estate: which indexes the config drops, replaces and renames."""

    name: str
    dropped: frozenset[tuple[int, int]]  # (project, index) no longer declared
    replaced: frozenset[tuple[int, int]]  # declared with another dimension
    renamed: frozenset[tuple[int, int]] = frozenset()  # declared as ix-N-v2, renamed_from ix-N


def cases(projects: int, indexes: int) -> list[Case]:
    every = [(p, i) for p in range(projects) for i in range(indexes)]
    tenth = max(1, len(every) // 10)
    return [
        Case("no destructive change", frozenset(), frozenset()),
        Case("1 index deleted", frozenset(every[:1]), frozenset()),
        Case(
            f"{tenth} deleted + {tenth} replaced",
            frozenset(every[:tenth]),
            frozenset(every[tenth : 2 * tenth]),
        ),
        Case(f"all {indexes} of one project deleted", frozenset(every[:indexes]), frozenset()),
        Case("1 index renamed", frozenset(), frozenset(), frozenset(every[-1:])),
        Case("1 deleted + 2 renamed", frozenset(every[:1]), frozenset(), frozenset(every[-2:])),
    ]


def write_config(root: Path, projects: int, indexes: int, case: Case) -> None:
    for p in range(projects):
        lines = [f"kind: Project\nname: team-{p}\nindexes:\n"]
        for i in range(indexes):
            if (p, i) in case.dropped:
                continue
            dimension = DIMENSION * 2 if (p, i) in case.replaced else DIMENSION
            if (p, i) in case.renamed:
                lines.append(f"  - name: ix-{i}-v2\n    renamed_from: ix-{i}\n    dimension: {dimension}\n")
            else:
                lines.append(f"  - name: ix-{i}\n    dimension: {dimension}\n")
        if len(lines) == 1:
            lines = [f"kind: Project\nname: team-{p}\n"]
        (root / f"team-{p}.yaml").write_text("".join(lines))


def declarate(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "declarate.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def seed_records(plane: ServedControlPlane, projects: int, records: int) -> int:
    """`records` records in every index, over two namespaces, through the official SDK; the total."""
    import pinecone

    admin = pinecone.Admin(
        client_id=plane.client_id,
        client_secret=plane.client_secret,
        host=plane.url,
        oauth_url=plane.oauth_url,
    )
    total = 0
    for p in range(projects):
        project_id = admin.projects.describe_by_name(name=f"team-{p}").id
        key = admin.api_keys.create(project_id=project_id, name="bench-seed", roles=["ProjectEditor"])
        pc = pinecone.Pinecone(api_key=key.value, host=plane.url)
        for description in pc.list_indexes():
            index = pc.Index(host=description.host)
            for namespace, share in (("", records - records // 2), ("eu", records // 2)):
                vectors = [(f"{namespace}-{n}", [0.1, 0.2, 0.3, float(n)]) for n in range(share)]
                for start in range(0, len(vectors), 200):
                    index.upsert(vectors=vectors[start : start + 200], namespace=namespace)
                total += share
    return total


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="declarate-bench-impact-") as folder,
        served(latency_ms=args.latency_ms, ready_after=0) as plane,
    ):
        work = Path(folder)
        config = work / "config"
        config.mkdir()
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "DECLARATE_", "GITHUB_"))
        }
        env.update(plane.credentials_env(), NO_COLOR="1")
        everything = Case("all", frozenset(), frozenset())
        write_config(config, args.projects, args.indexes, everything)
        applied = declarate(["apply", "-f", "config", "--auto-approve", "--no-wait"], work, env)
        if applied.returncode != 0:
            raise SystemExit(
                f"apply failed ({applied.returncode}):\n{applied.stdout[-2000:]}{applied.stderr[-2000:]}"
            )
        seeded = seed_records(plane, args.projects, args.records)
        for case in cases(args.projects, args.indexes):
            write_config(config, args.projects, args.indexes, case)
            plane.reset_stats()
            began = time.perf_counter()
            planned = declarate(["plan", "-f", "config", "--format", "json"], work, env)
            wall = time.perf_counter() - began
            counts = plane.stats()
            if planned.returncode not in (0, 2, 3):
                raise SystemExit(f"plan failed ({planned.returncode}):\n{planned.stderr[-2000:]}")
            changes = json.loads(planned.stdout)["changes"]
            destructive = [
                c for c in changes if c["kind"] == "index" and c["action"] in ("delete", "replace")
            ]
            renames = [c for c in changes if c["kind"] == "index" and c["action"] == "rename"]
            counted = sum(
                1
                for c in destructive + renames
                if (c.get("data_impact") or {}).get("records") == args.records
            )
            rows.append(
                {
                    "case": case.name,
                    "destructive changes": len(destructive),
                    "renames": len(renames),
                    "stats requests": sum(
                        n for route, n in counts.by_route.items() if route.endswith(STATS_ROUTE)
                    ),
                    "all requests": counts.total,
                    "impacts with every record": counted,
                    "plan wall s": round(wall, 3),
                }
            )
    return {
        "benchmark": "data_impact",
        "quick": args.quick,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "estate": {
            "projects": args.projects,
            "indexes": args.projects * args.indexes,
            "records per index": args.records,
            "records": seeded,
            "latency ms": args.latency_ms,
        },
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def table(result: dict[str, Any]) -> str:
    estate = result["estate"]
    header = [
        "case",
        "destructive changes",
        "renames",
        "stats requests",
        "all requests",
        "impacts with every record",
        "plan wall s",
    ]
    lines = [
        f"data impact: {estate['indexes']} indexes in {estate['projects']} projects, "
        f"{estate['records']:,} records, {estate['latency ms']} ms latency",
        " | ".join(header),
    ]
    lines += [" | ".join(str(row[h]) for h in header) for row in result["rows"]]
    per_change = all(
        row["stats requests"] == row["destructive changes"] + row["renames"] for row in result["rows"]
    )
    lines.append(
        "one describe_index_stats request per destructive change or rename, none otherwise: "
        + ("yes" if per_change else "NO")
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5)
    parser.add_argument("--indexes", type=int, default=20, help="indexes per project")
    parser.add_argument("--records", type=int, default=100, help="records per index")
    parser.add_argument("--latency-ms", type=float, default=10)
    parser.add_argument("--quick", action="store_true", help="2 projects x 5 indexes, 10 records each")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.projects, args.indexes, args.records = 2, 5, 10
    out = args.out or BENCH / "results" / ("data_impact_quick.json" if args.quick else "data_impact.json")
    result = run(args)
    print(table(result))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
