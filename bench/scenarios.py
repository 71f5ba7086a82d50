"""The four scenarios: turn measured runs into figures held against DESIGN §7's targets.

Each function takes the shared BenchContext and returns figures. The targets live here, one line
each, next to the figure they judge. No scenario times anything itself (context.py and measure.py
do) and none prints.
"""

from __future__ import annotations

import json
import statistics

from context import BenchContext, ServedRun, median_cpu, median_wall
from estate import generate
from measure import declarate_command, run_measured
from report import Figure, held, noted

DESCRIBE_INDEX = "GET /indexes/{index_name}"  # the server's route template
PLAN_WALL_TARGET_S = 5.0
PLAN_RAISED_TARGET_S = 1.5  # DESIGN §9.5
APPLY_RATIO_TARGET = 1.25
VALIDATE_WALL_TARGET_S = 3.0
VALIDATE_MEMORY_TARGET_MB = 300.0


def plan(ctx: BenchContext) -> list[Figure]:
    """declarate plan over P x I live indexes through a slow server, and its request scaling."""
    s = ctx.sizes
    big = ctx.live_estate(s.plan_indexes)
    runs = ctx.declarate_plans(s.plan_indexes, s.repeats)
    small_runs = ctx.declarate_plans(s.plan_small_indexes, 1)
    requests = runs[0].requests.total
    small_requests = small_runs[0].requests.total
    label = f"{s.plan_projects}x{s.plan_indexes}"
    unlatent = ctx.declarate_plan_without_latency()
    return [
        noted("plan", "indexes read", s.plan_projects * s.plan_indexes, ""),
        noted("plan", "server latency", s.latency_ms, "ms/request"),
        held(
            "plan",
            f"wall time ({label}, median of {len(runs)})",
            median_wall(runs),
            "s",
            f"< {PLAN_WALL_TARGET_S:.0f} s (§7); < {PLAN_RAISED_TARGET_S} s (§9.5)",
            lambda v: v < PLAN_RAISED_TARGET_S,
        ),
        # CPU time (user + system) of the declarate process: what the machine's load does not change.
        noted("plan", f"CPU time ({label}, median of {len(runs)})", median_cpu(runs), "s"),
        noted("plan", "requests", requests, ""),
        noted("plan", "requests per project", requests / s.plan_projects, ""),
        held(
            "plan",
            "describe-index requests",
            runs[0].requests.by_route.get(DESCRIBE_INDEX, 0),
            "",
            "0 (lists only)",
            lambda v: v == 0,
        ),
        # Where the time goes: the offline config load, and the same plan with no network latency.
        noted("plan", "config load alone (validate, same estate)", ctx.validate_wall(big.root), "s"),
        noted("plan", "wall time at 0 ms latency", unlatent.run.wall_s, "s"),
        noted("plan", "CPU time at 0 ms latency", unlatent.run.cpu_s, "s"),
        noted("plan", "peak memory", max(r.run.peak_rss_mb for r in runs), "MB"),
        held(
            "plan",
            "changes planned on the converged estate",
            big.changes_after_populate,
            "",
            "0",
            lambda v: v == 0,
        ),
        noted("plan", f"requests with {s.plan_small_indexes} indexes/project", small_requests, ""),
        held(
            "plan",
            f"requests ratio {s.plan_indexes} vs {s.plan_small_indexes} indexes/project",
            requests / max(1, small_requests),
            "x",
            "= 1 (O(projects))",
            lambda v: abs(v - 1.0) < 0.005,
        ),
        noted("plan", "populate (bulk create, not declarate)", big.populate_s, "s"),
    ]


def apply(ctx: BenchContext) -> list[Figure]:
    """declarate apply of A x I index creates under a server rate limit, against its bound."""
    s = ctx.sizes
    served_run, remaining = ctx.declarate_apply()
    requests = served_run.requests.total
    # The bound counts the requests the server accepted: a 429 does no work, so counting it would
    # flatter a client that hammers the limit.
    accepted = requests - served_run.throttled
    bound = accepted / s.rate_limit
    wall = served_run.run.wall_s
    return [
        noted("apply", "index creates", s.apply_projects * s.apply_indexes, ""),
        noted("apply", "server rate limit", s.rate_limit, "req/s"),
        noted("apply", "wall time (--no-wait)", wall, "s"),
        noted("apply", "requests accepted", accepted, ""),
        noted("apply", "429 answers", served_run.throttled, ""),
        noted("apply", "rate-limit bound (accepted / limit)", bound, "s"),
        held(
            "apply",
            "wall / bound",
            wall / bound,
            "x",
            f"<= {APPLY_RATIO_TARGET}",
            lambda v: v <= APPLY_RATIO_TARGET,
        ),
        held("apply", "exit code", served_run.run.code, "", "0", lambda v: v == 0),
        held("apply", "failed changes (still planned afterwards)", remaining, "", "0", lambda v: v == 0),
    ]


def validate(ctx: BenchContext) -> list[Figure]:
    """declarate validate of V x I indexes: offline, so wall time and memory only."""
    s = ctx.sizes
    root = ctx.work / f"validate-{s.validate_projects}x{s.validate_indexes}"
    generate(root, s.validate_projects, s.validate_indexes)
    runs = [
        run_measured(declarate_command("validate", "-f", str(root)), cwd=ctx.work) for _ in range(s.repeats)
    ]
    failed = [r for r in runs if r.code != 0]
    return [
        noted("validate", "indexes", s.validate_projects * s.validate_indexes, ""),
        held("validate", "exit code", failed[0].code if failed else 0, "", "0", lambda v: v == 0),
        held(
            "validate",
            f"wall time (median of {len(runs)})",
            statistics.median(r.wall_s for r in runs),
            "s",
            f"< {VALIDATE_WALL_TARGET_S:.0f} s",
            lambda v: v < VALIDATE_WALL_TARGET_S,
        ),
        held(
            "validate",
            "peak memory",
            max(r.peak_rss_mb for r in runs),
            "MB",
            f"< {VALIDATE_MEMORY_TARGET_MB:.0f} MB",
            lambda v: v < VALIDATE_MEMORY_TARGET_MB,
        ),
    ]


def baseline(ctx: BenchContext) -> list[Figure]:
    """A naive official-SDK script doing the same read and the same creates, and declarate's ratio."""
    s = ctx.sizes
    read = ctx.baseline_read()
    plans = ctx.declarate_plans(s.plan_indexes, s.repeats)
    naive_apply = ctx.baseline_apply()
    declarate_apply, _ = ctx.declarate_apply()
    return [
        noted("baseline", f"SDK read wall time ({s.baseline_threads} threads)", read.run.wall_s, "s"),
        noted("baseline", "SDK read requests", read.requests.total, ""),
        noted("baseline", "SDK read indexes described", _counts(read).get("indexes_described", -1), ""),
        noted("baseline", "declarate/SDK read wall time", median_wall(plans) / read.run.wall_s, "x"),
        noted("baseline", "declarate/SDK read requests", plans[0].requests.total / read.requests.total, "x"),
        noted("baseline", "SDK apply wall time (one by one)", naive_apply.run.wall_s, "s"),
        noted("baseline", "SDK apply requests", naive_apply.requests.total, ""),
        noted("baseline", "SDK apply 429 answers", naive_apply.throttled, ""),
        noted("baseline", "SDK apply failed creates", _counts(naive_apply).get("indexes_failed", -1), ""),
        noted(
            "baseline",
            "declarate/SDK apply wall time",
            declarate_apply.run.wall_s / naive_apply.run.wall_s,
            "x",
        ),
    ]


def _counts(served_run: ServedRun) -> dict[str, int]:
    """The JSON line of counts the baseline script prints last."""
    lines = served_run.run.stdout.strip().splitlines()
    try:
        counts = json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}


SCENARIOS = {"plan": plan, "apply": apply, "validate": validate, "baseline": baseline}
