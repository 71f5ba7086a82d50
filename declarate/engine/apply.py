"""The apply executor: runs a plan's changes through a Provider as a dependency graph, concurrently.

Each change starts once every change it depends on has finished DONE or ALREADY; a failure (or a skip)
skips only its dependants, so independent changes keep running. At most `parallelism` changes talk to
the provider at once. Every outcome, including any exception the provider raises, becomes a
ChangeResult: nothing propagates out of `apply_plan` but cancellation. Results come back in plan order.

This module is pure asyncio orchestration: it never prints (progress goes to the ApplyObserver), never
talks HTTP itself, and never lets a secret value reach a message, a log line or the observer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from declarate.errors import DeclarateError
from declarate.model.address import Address, Kind
from declarate.model.plan import Change, Plan
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.providers.base import ApplyObserver, ChangeResult, Outcome, Provider, SecretSink
from declarate.redaction import redact, register

log = logging.getLogger(__name__)

SUCCEEDED: frozenset[Outcome] = frozenset({Outcome.DONE, Outcome.ALREADY})

_MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class ApplyReport:
    """What apply did: one ChangeResult per planned change, in plan order."""

    results: tuple[ChangeResult, ...]

    @property
    def failed(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAILED)

    @property
    def skipped(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.SKIPPED)

    @property
    def ok(self) -> bool:
        """True when every change is DONE or ALREADY: live state now matches the plan."""
        return all(r.outcome in SUCCEEDED for r in self.results)

    def counts(self) -> dict[str, int]:
        """Number of results per outcome, every outcome present (`{"done": 3, "already": 0, ...}`)."""
        counts = {o.value: 0 for o in Outcome}
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    @property
    def secret_paths(self) -> tuple[str, ...]:
        """Where the secrets created by this apply were written (never the values)."""
        return tuple(r.secret_path for r in self.results if r.secret_path)


async def apply_plan(
    plan: Plan,
    live: State,
    provider: Provider,
    *,
    parallelism: int = 8,
    wait: bool = True,
    observer: ApplyObserver,
    secrets: SecretSink,
) -> ApplyReport:
    """Execute `plan` against `provider` and report every change's outcome, in plan order.

    The desired side of each change is the change's own `after` (a plan is applied as it stands);
    `live` is the state the plan was computed from. Blocked changes are never executed (the cli
    refuses blocked plans; this is defence in depth). With `wait`, index changes are followed by
    `provider.wait` until the index is Ready or gone.
    """
    if parallelism < 1:
        raise ValueError(f"parallelism must be at least 1, got {parallelism}")
    run = _Run(live, provider, wait, _GuardedObserver(observer), _RecordingSink(secrets))
    changes = plan.changes
    run.observer.planned(changes)
    dependencies = _dependencies(changes)
    order, cyclic = _topological_order(dependencies)
    semaphore = asyncio.Semaphore(parallelism)

    results: dict[int, ChangeResult] = {}
    if cyclic:
        names = ", ".join(sorted({str(changes[i].address) for i in cyclic}))
        for i in sorted(cyclic):
            results[i] = run.skip(changes[i], f"skipped: dependency cycle among {names}")

    tasks: dict[int, asyncio.Task[ChangeResult]] = {}
    for i in order:  # topological: every dependency's task exists before its dependants'
        needed = [(changes[j], tasks[j]) for j in dependencies[i]]
        tasks[i] = asyncio.create_task(run.one(changes[i], needed, semaphore))
    try:
        await asyncio.gather(*tasks.values())
    finally:
        for task in tasks.values():
            task.cancel()  # only matters when apply itself is cancelled; done tasks ignore it
    for i, task in tasks.items():
        results[i] = task.result()
    return ApplyReport(tuple(results[i] for i in range(len(changes))))


def _dependencies(changes: Sequence[Change]) -> list[list[int]]:
    """For each change, the positions of the planned changes it waits for (in `depends_on` order).

    A dependency on an address the plan does not change is already satisfied (the object exists
    live), so it adds nothing; an address changed twice in a plan waits for both changes.
    """
    positions: dict[Address, list[int]] = {}
    for i, change in enumerate(changes):
        positions.setdefault(change.address, []).append(i)
    graph: list[list[int]] = []
    for i, change in enumerate(changes):
        needed: list[int] = []
        for address in change.depends_on:
            needed.extend(j for j in positions.get(address, ()) if j != i and j not in needed)
        graph.append(needed)
    return graph


def _topological_order(dependencies: list[list[int]]) -> tuple[list[int], set[int]]:
    """(positions in an order where dependencies come first, positions in or behind a cycle).

    The planner never produces a cycle; if one slipped through, its changes would wait for each other
    forever, so they are skipped instead.
    """
    waiting_on = [len(needed) for needed in dependencies]
    dependants: list[list[int]] = [[] for _ in dependencies]
    for i, needed in enumerate(dependencies):
        for j in needed:
            dependants[j].append(i)
    ready = deque(i for i, n in enumerate(waiting_on) if n == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for k in dependants[i]:
            waiting_on[k] -= 1
            if waiting_on[k] == 0:
                ready.append(k)
    return order, set(range(len(dependencies))) - set(order)


class _Run:
    """The state shared by the changes of one apply."""

    def __init__(
        self,
        live: State,
        provider: Provider,
        wait: bool,
        observer: _GuardedObserver,
        secrets: _RecordingSink,
    ) -> None:
        self.live = live
        self.provider = provider
        self.wait = wait
        self.observer = observer
        self.secrets = secrets

    async def one(
        self,
        change: Change,
        needed: list[tuple[Change, asyncio.Task[ChangeResult]]],
        semaphore: asyncio.Semaphore,
    ) -> ChangeResult:
        """Wait for the dependencies, then execute (and wait for) one change; never raises."""
        if change.blocked is not None:
            return self.skip(change, f"blocked by {change.blocked.rule}")
        outcomes = await asyncio.gather(*(task for _, task in needed))
        # The first unsuccessful dependency in `depends_on` order names the cause: deterministic.
        for (dependency, _), result in zip(needed, outcomes, strict=True):
            if result.outcome not in SUCCEEDED:
                what = "failed" if result.outcome is Outcome.FAILED else "was skipped"
                return self.skip(change, f"skipped: depends on {dependency.address}, which {what}")
        async with semaphore:
            self.observer.started(change)
            result = await self._execute(change)
        self.observer.finished(change, result)
        return result

    def skip(self, change: Change, message: str) -> ChangeResult:
        result = ChangeResult(change.address, Outcome.SKIPPED, message)
        self.observer.finished(change, result)
        return result

    async def _execute(self, change: Change) -> ChangeResult:
        address = change.address
        try:
            # A rename starts from the live object of the old name.
            live = self.live.get(change.renamed_from or address)
            desired = None if change.after is None else Resource(address, change.after)
            result = await self.provider.execute(
                change, desired, live, self.secrets, protected=self.live.protected
            )
        except Exception as exc:  # any failure of one change is that change's result, never the run's
            return ChangeResult(address, Outcome.FAILED, self._describe(change, exc))
        result = dataclasses.replace(result, address=address, message=self._safe(result.message))
        if not (self.wait and result.outcome in SUCCEEDED and _is_waited(change)):
            return result
        try:
            await self.provider.wait(change, self.observer)
        except TimeoutError as exc:
            detail = f": {exc}" if str(exc) else ""
            message = f"timed out waiting for the index{self._safe(detail)}"
            return dataclasses.replace(result, outcome=Outcome.FAILED, message=message)
        except Exception as exc:
            message = f"waiting failed: {self._describe(change, exc)}"
            return dataclasses.replace(result, outcome=Outcome.FAILED, message=message)
        return result

    def _describe(self, change: Change, exc: Exception) -> str:
        """A one-line, secret-free message for an exception raised by the provider."""
        if isinstance(exc, DeclarateError):
            return self._safe(str(exc)) or type(exc).__name__
        # An unexpected exception is a bug; its text may hold anything (a response body, a secret), so
        # only its type and where it was raised are shown and logged.
        frames = traceback.extract_tb(exc.__traceback__)
        where = (
            f" in {frames[-1].name} ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"
            if frames
            else ""
        )
        log.error("%s %s raised %s%s", change.action.value, change.address, type(exc).__name__, where)
        return f"unexpected error: {type(exc).__name__}{where} (a bug in declarate; please report it)"

    def _safe(self, message: str) -> str:
        return _one_line(redact(message))


def _is_waited(change: Change) -> bool:
    """Every index change is asynchronous on Pinecone's side: the index is Initializing after a create
    or an update, and Terminating after a delete, until the provider's `wait` sees it Ready (or gone)."""
    return change.kind is Kind.INDEX


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


class _RecordingSink:
    """Passes secrets to the real sink and registers them for redaction from every later text.

    The values stay in memory (the redaction registry) only; they are never logged.
    """

    def __init__(self, sink: SecretSink) -> None:
        self._sink = sink

    def store(self, address: Address, field: str, value: str) -> str:
        register(value)
        return self._sink.store(address, field, value)

    def discard(self, path: str) -> None:
        self._sink.discard(path)

    def rename(self, old: Address, new: Address) -> None:
        self._sink.rename(old, new)


class _GuardedObserver:
    """An ApplyObserver whose own failures (a broken display) never fail or stop a change."""

    def __init__(self, observer: ApplyObserver) -> None:
        self._observer = observer

    def planned(self, changes: Sequence[Change]) -> None:
        try:
            self._observer.planned(changes)
        except Exception as exc:
            _observer_failed("planned", exc)

    def started(self, change: Change) -> None:
        try:
            self._observer.started(change)
        except Exception as exc:
            _observer_failed("started", exc)

    def waiting(self, change: Change, state: str) -> None:
        try:
            self._observer.waiting(change, state)
        except Exception as exc:
            _observer_failed("waiting", exc)

    def finished(self, change: Change, result: ChangeResult) -> None:
        try:
            self._observer.finished(change, result)
        except Exception as exc:
            _observer_failed("finished", exc)


def _observer_failed(event: str, exc: Exception) -> None:
    log.warning("progress display failed on %s: %s", event, type(exc).__name__)
