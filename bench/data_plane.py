"""Benchmark the local data plane in process: upsert, top-10 query latency and peak memory.

    python bench/data_plane.py [--records 10000] [--dimension 1536] [--queries 50] [--out FILE]

The local target runs in this process behind httpx's ASGI transport (as the embedded target does),
persisted in a temporary SQLite file. Request bodies are JSON-encoded before each timer starts (a
client's own serialization is not the data plane's cost) and every request still goes through the
whole app: routing, authentication, JSON parsing, validation, storage and scoring.

- upsert: every record, in requests of ``--batch`` records (2 MB at most, as Pinecone's limit):
  wall time, and the CPU time (user + system) of this process meanwhile, which a shared machine
  disturbs less.
- query: ``--queries`` top-10 dense queries after a first one that builds the namespace matrix;
  the median and p95 latency are reported, and the first query separately; the median CPU time
  of a query too (numpy may use more than one core, so it can exceed the latency).
- memory: a second, identical run under ``tracemalloc`` (Python and numpy allocations, taken after
  the vectors were generated), against the raw vectors' size (records x dimension x 4 bytes).

Prints a table and writes JSON (default ``bench/results/data_plane.json``; ``--quick`` writes
``bench/results/data_plane_quick.json``). Exit 0 when it ran, whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from declarate.local import embedded_transport
from declarate.local.clients import owner_headers, project_with_key

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Sizes:
    """What one run writes and asks."""

    records: int
    dimension: int
    batch: int
    queries: int


def _bodies(vectors: np.ndarray[Any, Any], batch: int) -> Iterator[bytes]:
    """Upsert bodies at float32 precision (``%.7g`` round-trips a float32 value closely)."""
    for start in range(0, len(vectors), batch):
        rows = vectors[start : start + batch]
        items = ",".join(
            f'{{"id":"rec-{start + offset}","values":[{",".join(np.char.mod("%.7g", row))}],'
            f'"metadata":{{"shard":{(start + offset) % 10}}}}}'
            for offset, row in enumerate(rows)
        )
        yield ('{"vectors":[' + items + "]}").encode()


async def _setup(client: httpx.AsyncClient, dimension: int) -> tuple[str, dict[str, str]]:
    _, headers = await project_with_key(client, await owner_headers(client), "bench")
    headers = {**headers, "Content-Type": "application/json"}
    schema = {"fields": {"_values": {"type": "dense_vector", "dimension": dimension, "metric": "cosine"}}}
    created = await client.post("/indexes", json={"name": "bench", "schema": schema}, headers=headers)
    created.raise_for_status()
    return str(created.json()["host"]), headers


async def _run(
    db: Path, vectors: np.ndarray[Any, Any], queries: list[bytes], sizes: Sizes
) -> dict[str, float]:
    transport = embedded_transport(db, ready_after=0.0)
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://declarate.local", timeout=120
    ) as client:
        host, headers = await _setup(client, sizes.dimension)
        upsert_s = upsert_cpu_s = 0.0
        largest = 0
        for body in _bodies(vectors, sizes.batch):
            largest = max(largest, len(body))
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = await client.post(host + "/vectors/upsert", content=body, headers=headers)
            upsert_s += time.perf_counter() - started
            upsert_cpu_s += time.process_time() - cpu_started
            if answer.status_code != 200:
                raise SystemExit(f"upsert failed: {answer.status_code} {answer.text[:300]}")
        latencies, cpu_times = [], []
        for body in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = await client.post(host + "/query", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            if answer.status_code != 200 or len(answer.json()["matches"]) != min(10, sizes.records):
                raise SystemExit(f"query failed: {answer.status_code} {answer.text[:300]}")
        stats = await client.post(host + "/describe_index_stats", json={}, headers=headers)
        figures["records counted"] = float(stats.json()["totalVectorCount"])
    await transport.aclose()
    steady = latencies[1:]
    figures.update(
        {
            "upsert s": upsert_s,
            "upsert cpu s": upsert_cpu_s,
            "largest request MB": largest / 1024 / 1024,
            "first query ms": latencies[0] * 1000,
            "query median ms": statistics.median(steady) * 1000,
            "query p95 ms": sorted(steady)[max(0, int(len(steady) * 0.95) - 1)] * 1000,
            "query median cpu ms": statistics.median(cpu_times[1:]) * 1000,
        }
    )
    return figures


def measure(sizes: Sizes, work: Path) -> dict[str, float]:
    """Run the timed pass, then the same run under tracemalloc; every figure."""
    rng = np.random.default_rng(42)
    vectors = rng.standard_normal((sizes.records, sizes.dimension)).astype(np.float32)
    queries = [
        json.dumps(
            {"vector": rng.standard_normal(sizes.dimension).astype(np.float32).tolist(), "topK": 10}
        ).encode()
        for _ in range(sizes.queries + 1)
    ]
    figures = asyncio.run(_run(work / "timed.db", vectors, queries, sizes))
    gc.collect()
    tracemalloc.start()
    asyncio.run(_run(work / "traced.db", vectors, queries[:3], sizes))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    raw = sizes.records * sizes.dimension * 4
    figures["raw vectors MB"] = raw / 1024 / 1024
    figures["peak memory MB"] = peak / 1024 / 1024
    figures["peak / raw"] = peak / raw
    return figures


TARGETS = {"upsert s": 3.0, "query median ms": 20.0, "peak / raw": 2.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--dimension", type=int, default=1536)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="1,000 records of dimension 256, 10 queries")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sizes = (
        Sizes(1000, 256, 100, 10)
        if args.quick
        else Sizes(args.records, args.dimension, args.batch, args.queries)
    )
    out = args.out or RESULTS / ("data_plane_quick.json" if args.quick else "data_plane.json")
    with tempfile.TemporaryDirectory(prefix="declarate-bench-data-") as temp:
        figures = measure(sizes, Path(temp))
    rows = []
    print(f"data plane, in process: {sizes.records:,} records x {sizes.dimension}, batches of {sizes.batch}")
    for name, value in figures.items():
        target = TARGETS.get(name)
        met = None if target is None else value <= target
        rows.append({"figure": name, "value": round(value, 3), "target": target, "met": met})
        shown = f"<= {target:g}" if target is not None else ""
        print(f"  {name:<22} {value:>10.3f}  {shown:<8} {'' if met is None else ('yes' if met else 'NO')}")
    result = {
        "sizes": sizes.__dict__,
        "quick": args.quick,
        "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(),
        "figures": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
