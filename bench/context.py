"""What the scenarios share: sizes, live estates, and each measured run, made once per benchmark.

Preparing a live estate (generate, bulk-create, top up with `declarate apply`) is the slow part, and
the plan and baseline scenarios read the same one, so `BenchContext` builds each estate and each
measured run at most once. It measures and records; it never compares against a target (that is
scenarios.py) and never prints (the caller passes a `say` callback for progress lines).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from estate import generate
from measure import Measured, clean_env, declarate_command, run_measured
from populate import populate_live
from server import RequestCounts, ServedControlPlane, served

# How the benchmark tells declarate's client its rate limit (requests per second).
CLIENT_RATE_LIMIT_ENV = "DECLARATE_RATE_LIMIT"
BASELINE_SCRIPT = Path(__file__).resolve().parent / "baseline.py"


class BenchFailed(RuntimeError):
    """A step the figures depend on failed; the message says which and shows the output."""


@dataclass(frozen=True)
class Sizes:
    """Every size and server setting of one benchmark run."""

    plan_projects: int = 50
    plan_indexes: int = 100
    plan_small_indexes: int = 10  # the scaling comparison: same projects, fewer indexes each
    latency_ms: float = 50
    apply_projects: int = 5
    apply_indexes: int = 100
    rate_limit: float = 20
    apply_parallelism: int = 8
    validate_projects: int = 100
    validate_indexes: int = 100
    baseline_threads: int = 8
    repeats: int = 3  # plan and validate runs; the median wall time is reported


FULL = Sizes()
QUICK = Sizes(
    plan_projects=5,
    plan_indexes=10,
    plan_small_indexes=2,
    latency_ms=5,
    apply_projects=2,
    apply_indexes=10,
    validate_projects=10,
    validate_indexes=10,
    repeats=1,
)


@dataclass(frozen=True)
class LiveEstate:
    """A generated config root whose objects all exist in the server data file `data`."""

    root: Path
    data: Path
    populate_s: float
    changes_after_populate: int


@dataclass(frozen=True)
class ServedRun:
    """One measured child run against a server, with the requests the server saw during it."""

    run: Measured
    requests: RequestCounts

    @property
    def throttled(self) -> int:
        return self.requests.by_status.get("429", 0)


@dataclass
class BenchContext:
    sizes: Sizes
    work: Path
    say: Callable[[str], None] = print
    _estates: dict[int, LiveEstate] = field(default_factory=dict)
    _plans: dict[int, list[ServedRun]] = field(default_factory=dict)
    _apply: tuple[ServedRun, int] | None = None

    # -- estates -------------------------------------------------------------------------------

    def live_estate(self, indexes_per_project: int) -> LiveEstate:
        """The plan estate (plan_projects x `indexes_per_project`), created live once."""
        if indexes_per_project not in self._estates:
            self._estates[indexes_per_project] = self._make_live_estate(indexes_per_project)
        return self._estates[indexes_per_project]

    def _make_live_estate(self, indexes: int) -> LiveEstate:
        projects = self.sizes.plan_projects
        name = f"plan-{projects}x{indexes}"
        root, data = self.work / name, self.work / f"{name}.db"
        data.unlink(missing_ok=True)
        generate(root, projects, indexes)
        self.say(f"  populating {projects} x {indexes} = {projects * indexes} indexes live ...")
        with served(data=data) as plane:
            populated = populate_live(plane.url, plane.client_id, plane.client_secret, root)
            # declarate creates the rest (keys, service accounts, bindings) and adopts nothing if the
            # bulk create matched its canonical form; the plan after it must be empty.
            env = self._env(plane, rate_limit=1000)
            top_up = run_measured(
                declarate_command(
                    "apply", "-f", str(root), "--auto-approve", "--no-wait", "--parallelism", "32"
                ),
                env=env,
                cwd=self.work,
            )
            _require(top_up, "declarate apply (topping up the populated estate)", ok=(0,))
            after = self._planned_changes(root, env)
        self.say(f"  populated in {populated.wall_s:.1f} s; {after} change(s) planned afterwards")
        return LiveEstate(root, data, populated.wall_s, after)

    def _planned_changes(self, root: Path, env: dict[str, str]) -> int:
        """How many changes `declarate plan` still finds (0 when live state matches the config)."""
        result = run_measured(
            declarate_command("plan", "-f", str(root), "--format", "json"), env=env, cwd=self.work
        )
        _require(result, "declarate plan --format json", ok=(0, 3))
        try:
            return len(json.loads(result.stdout)["changes"])
        except (ValueError, KeyError) as exc:
            raise BenchFailed(
                f"declarate plan --format json printed no plan: {exc}\n{result.tail()}"
            ) from exc

    def _env(self, plane: ServedControlPlane, *, rate_limit: float | None = None) -> dict[str, str]:
        extra = plane.credentials_env()
        if rate_limit is not None:
            extra[CLIENT_RATE_LIMIT_ENV] = str(rate_limit)
        return clean_env(extra)

    # -- measured runs -------------------------------------------------------------------------

    def validate_wall(self, root: Path) -> float:
        """Wall time of `declarate validate` on `root`: the offline share of a plan over it."""
        run = run_measured(declarate_command("validate", "-f", str(root)), cwd=self.work)
        _require(run, "declarate validate", ok=(0,))
        return run.wall_s

    def declarate_plans(self, indexes_per_project: int, repeats: int) -> list[ServedRun]:
        """`declarate plan` over the live estate through the slow server, `repeats` times."""
        runs = self._plans.setdefault(indexes_per_project, [])
        if len(runs) < repeats:
            estate = self.live_estate(indexes_per_project)
            with served(latency_ms=self.sizes.latency_ms, data=estate.data) as plane:
                env = self._env(plane)
                command = declarate_command("plan", "-f", str(estate.root), "--detailed-exitcode")
                while len(runs) < repeats:
                    runs.append(_served_run(plane, command, env, "declarate plan", ok=(0, 2), cwd=self.work))
        return runs[:repeats]

    def declarate_plan_without_latency(self) -> ServedRun:
        """One `declarate plan` of the big estate with no injected latency: its CPU-bound share."""
        estate = self.live_estate(self.sizes.plan_indexes)
        with served(data=estate.data) as plane:
            command = declarate_command("plan", "-f", str(estate.root), "--detailed-exitcode")
            return _served_run(plane, command, self._env(plane), "declarate plan", ok=(0, 2), cwd=self.work)

    def declarate_apply(self) -> tuple[ServedRun, int]:
        """(the apply run, changes still planned after it) on a fresh rate-limited server."""
        if self._apply is None:
            self._apply = self._measure_apply()
        return self._apply

    def _measure_apply(self) -> tuple[ServedRun, int]:
        s = self.sizes
        root = self.work / f"apply-{s.apply_projects}x{s.apply_indexes}"
        generate(root, s.apply_projects, s.apply_indexes, keys_per_project=0, bindings_per_project=0)
        with served(latency_ms=s.latency_ms, rate_limit=s.rate_limit) as plane:
            env = self._env(plane, rate_limit=s.rate_limit)
            command = declarate_command(
                "apply",
                "-f",
                str(root),
                "--auto-approve",
                "--no-wait",
                "--parallelism",
                str(s.apply_parallelism),
            )
            run = _served_run(plane, command, env, "declarate apply", ok=(0, 1), cwd=self.work)
            remaining = self._planned_changes(root, env)
        return run, remaining

    def baseline_read(self) -> ServedRun:
        """The naive SDK script reading the big plan estate through the slow server."""
        estate = self.live_estate(self.sizes.plan_indexes)
        with served(latency_ms=self.sizes.latency_ms, data=estate.data) as plane:
            command = [sys.executable, str(BASELINE_SCRIPT), "read", str(estate.root), "--url", plane.url]
            command += ["--threads", str(self.sizes.baseline_threads)]
            return _served_run(
                plane, command, self._env(plane), "baseline read (official SDK)", ok=(0,), cwd=self.work
            )

    def baseline_apply(self) -> ServedRun:
        """The naive SDK script creating the apply estate one index at a time, same server settings."""
        s = self.sizes
        root = self.work / f"apply-{s.apply_projects}x{s.apply_indexes}"
        generate(root, s.apply_projects, s.apply_indexes, keys_per_project=0, bindings_per_project=0)
        with served(latency_ms=s.latency_ms, rate_limit=s.rate_limit) as plane:
            command = [sys.executable, str(BASELINE_SCRIPT), "apply", str(root), "--url", plane.url]
            return _served_run(
                plane, command, self._env(plane), "baseline apply (official SDK)", ok=(0,), cwd=self.work
            )


def _served_run(
    plane: ServedControlPlane,
    command: list[str],
    env: dict[str, str],
    what: str,
    *,
    ok: tuple[int, ...],
    cwd: Path,
) -> ServedRun:
    """Run `command` with the server's counters reset first, so they count this run alone."""
    plane.reset_stats()
    run = run_measured(command, env=env, cwd=cwd)
    requests = plane.stats()
    _require(run, what, ok=ok)
    return ServedRun(run, requests)


def _require(run: Measured, what: str, *, ok: tuple[int, ...]) -> None:
    if run.code not in ok:
        raise BenchFailed(f"{what} exited {run.code} (expected {' or '.join(map(str, ok))}):\n{run.tail()}")


def median_wall(runs: list[ServedRun]) -> float:
    return statistics.median(r.run.wall_s for r in runs)


def median_cpu(runs: list[ServedRun]) -> float:
    return statistics.median(r.run.cpu_s for r in runs)
