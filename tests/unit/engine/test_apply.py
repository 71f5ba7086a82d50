"""The apply executor against a scriptable in-memory fake of the Provider protocol.

The fake stands in for the interface, not for Pinecone's HTTP API: each address is scripted to
succeed, fail, raise, or report wait states, and the fake records what ran, in what order, and how many
changes were in flight at once. Integration tests against the local control plane live elsewhere.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from declarate.engine.apply import ApplyReport, apply_plan
from declarate.errors import ApiError, Forbidden, ServerError
from declarate.model.address import Address, PrincipalType
from declarate.model.plan import Action, Block, Change, Plan
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.providers.base import ApplyObserver, ChangeResult, Outcome, ReadRequest, SecretSink

from .examples import MUTATION, examples

PROJECT_A = Address.project_("a")
PROJECT_B = Address.project_("b")
INDEX_A = Address.index("a", "recs")
INDEX_B = Address.index("b", "search")
KEY_A = Address.api_key("a", "recs-service")
BINDING_A = Address.role_binding("a", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")
SECRET = "pcsk_live_secret_value_123456"


@dataclass
class Script:
    """How the fake answers for one address."""

    outcome: Outcome = Outcome.DONE
    raises: Exception | None = None
    wait_states: tuple[str, ...] = ("Initializing",)
    wait_raises: Exception | None = None
    secret: str | None = None  # stored through the sink as `value`, as an API key create would
    gate: asyncio.Event | None = None  # execute blocks until this is set
    opens: asyncio.Event | None = None  # execute sets this when it runs
    discards: str | None = None  # a secret path dropped through the sink, as a lost race would
    renames: Address | None = None  # the secrets of this address moved to the change's, as a rename does


@dataclass
class FakeProvider:
    scripts: dict[Address, Script] = field(default_factory=dict)
    events: list[tuple[str, Address]] = field(default_factory=list)
    received: dict[Address, tuple[Resource | None, Resource | None]] = field(default_factory=dict)
    protected: dict[Address, object] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0

    @property
    def target(self) -> str:
        return "fake"

    async def read(self, request: ReadRequest) -> State:
        return State()

    async def execute(
        self,
        change: Change,
        desired: Resource | None,
        live: Resource | None,
        secrets: SecretSink,
        *,
        protected: object,
    ) -> ChangeResult:
        script = self.scripts.get(change.address, Script())
        self.received[change.address] = (desired, live)
        self.protected[change.address] = protected
        self.events.append(("start", change.address))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            for _ in range(5):  # yield, so that concurrent changes really overlap
                await asyncio.sleep(0)
            if script.opens is not None:
                script.opens.set()
            if script.gate is not None:
                await script.gate.wait()
            secret_path = None
            if script.secret is not None:
                secret_path = secrets.store(change.address, "value", script.secret)
            if script.renames is not None:
                secrets.rename(script.renames, change.address)
            if script.discards is not None:
                secrets.discard(script.discards)
            if script.raises is not None:
                raise script.raises
            return ChangeResult(change.address, script.outcome, secret_path=secret_path)
        finally:
            self.in_flight -= 1
            self.events.append(("end", change.address))

    async def wait(self, change: Change, observer: ApplyObserver) -> None:
        script = self.scripts.get(change.address, Script())
        self.events.append(("wait", change.address))
        for state in script.wait_states:
            observer.waiting(change, state)
            await asyncio.sleep(0)
        if script.wait_raises is not None:
            raise script.wait_raises

    async def aclose(self) -> None:
        return None

    def started(self) -> list[Address]:
        return [a for e, a in self.events if e == "start"]

    def waited(self) -> list[Address]:
        return [a for e, a in self.events if e == "wait"]


@dataclass
class RecordingObserver:
    calls: list[tuple[str, Address, str]] = field(default_factory=list)

    def planned(self, changes: Sequence[Change]) -> None:
        pass

    def started(self, change: Change) -> None:
        self.calls.append(("started", change.address, ""))

    def waiting(self, change: Change, state: str) -> None:
        self.calls.append(("waiting", change.address, state))

    def finished(self, change: Change, result: ChangeResult) -> None:
        self.calls.append(("finished", change.address, result.outcome.value))


@dataclass
class MemorySink:
    stored: dict[tuple[Address, str], str] = field(default_factory=dict)
    moves: list[tuple[str, object]] = field(default_factory=list)

    def store(self, address: Address, field: str, value: str) -> str:
        self.stored[(address, field)] = value
        return f"secrets/{address.name}.{field}"

    def discard(self, path: str) -> None:
        self.moves.append(("discard", path))

    def rename(self, old: Address, new: Address) -> None:
        self.moves.append(("rename", (old, new)))


def change(address: Address, action: Action = Action.CREATE, *deps: Address, blocked: str = "") -> Change:
    blocks = (Block(blocked, f"{blocked} says no", f"--allow {blocked}"),) if blocked else ()
    return Change(address, action, depends_on=deps, blocks=blocks)


def run(
    changes: Iterable[Change],
    provider: FakeProvider | None = None,
    *,
    observer: RecordingObserver | ApplyObserver | None = None,
    sink: MemorySink | None = None,
    live: State | None = None,
    parallelism: int = 8,
    wait: bool = True,
) -> ApplyReport:
    return asyncio.run(
        apply_plan(
            Plan(changes=tuple(changes)),
            State() if live is None else live,  # an empty State is falsy
            provider or FakeProvider(),
            parallelism=parallelism,
            wait=wait,
            observer=observer or RecordingObserver(),
            secrets=sink or MemorySink(),
        )
    )


def outcomes(report: ApplyReport) -> dict[Address, Outcome]:
    return {r.address: r.outcome for r in report.results}


def message_of(report: ApplyReport, address: Address) -> str:
    return next(r.message for r in report.results if r.address == address)


# Dependencies


def test_a_binding_waits_for_its_project() -> None:
    provider = FakeProvider()
    report = run([change(PROJECT_A), change(BINDING_A, Action.CREATE, PROJECT_A)], provider)

    assert report.ok
    assert provider.events.index(("end", PROJECT_A)) < provider.events.index(("start", BINDING_A))


def test_a_change_waits_for_every_dependency() -> None:
    provider = FakeProvider()
    run(
        [
            change(PROJECT_A),
            change(KEY_A, Action.CREATE, PROJECT_A),
            change(BINDING_A, Action.CREATE, PROJECT_A, KEY_A),
        ],
        provider,
    )

    start_binding = provider.events.index(("start", BINDING_A))
    assert provider.events.index(("end", PROJECT_A)) < start_binding
    assert provider.events.index(("end", KEY_A)) < start_binding


def test_a_dependency_the_plan_does_not_change_is_already_satisfied() -> None:
    report = run([change(BINDING_A, Action.CREATE, PROJECT_A)])

    assert outcomes(report) == {BINDING_A: Outcome.DONE}


def test_an_already_done_dependency_lets_dependants_run() -> None:
    provider = FakeProvider({PROJECT_A: Script(outcome=Outcome.ALREADY)})
    report = run([change(PROJECT_A), change(INDEX_A, Action.CREATE, PROJECT_A)], provider)

    assert outcomes(report) == {PROJECT_A: Outcome.ALREADY, INDEX_A: Outcome.DONE}
    assert report.ok


def test_a_dependency_cycle_is_skipped_instead_of_hanging() -> None:
    report = run(
        [
            change(PROJECT_A, Action.CREATE, INDEX_A),
            change(INDEX_A, Action.CREATE, PROJECT_A),
            change(PROJECT_B),
        ]
    )

    assert outcomes(report) == {PROJECT_A: Outcome.SKIPPED, INDEX_A: Outcome.SKIPPED, PROJECT_B: Outcome.DONE}
    assert "cycle" in message_of(report, PROJECT_A)


# Concurrency


def test_no_more_than_parallelism_changes_run_at_once() -> None:
    provider = FakeProvider()
    report = run([change(Address.project_(f"p{i}")) for i in range(20)], provider, parallelism=3)

    assert report.ok
    assert provider.max_in_flight == 3


def test_parallelism_of_one_runs_changes_one_by_one() -> None:
    provider = FakeProvider()
    run([change(Address.project_(f"p{i}")) for i in range(5)], provider, parallelism=1)

    assert provider.max_in_flight == 1


def test_independent_changes_run_concurrently() -> None:
    # The first change only finishes once the second has started: sequential execution would hang.
    second_started = asyncio.Event()
    provider = FakeProvider({PROJECT_A: Script(gate=second_started), PROJECT_B: Script(opens=second_started)})
    report = run([change(PROJECT_A), change(PROJECT_B)], provider)

    assert report.ok


def test_results_are_in_plan_order_even_when_later_changes_finish_first() -> None:
    second_done = asyncio.Event()
    provider = FakeProvider({PROJECT_A: Script(gate=second_done), PROJECT_B: Script(opens=second_done)})
    report = run([change(PROJECT_A), change(PROJECT_B), change(INDEX_B, Action.CREATE, PROJECT_B)], provider)

    assert [r.address for r in report.results] == [PROJECT_A, PROJECT_B, INDEX_B]
    assert provider.events.index(("end", PROJECT_B)) < provider.events.index(("end", PROJECT_A))


def test_parallelism_below_one_is_rejected() -> None:
    try:
        run([change(PROJECT_A)], parallelism=0)
    except ValueError as exc:
        assert "parallelism" in str(exc)
    else:
        raise AssertionError("parallelism=0 was accepted")


# Failures


def test_a_failure_skips_only_its_dependants() -> None:
    provider = FakeProvider({PROJECT_A: Script(raises=ServerError(500, "INTERNAL", "boom"))})
    report = run(
        [
            change(PROJECT_A),
            change(PROJECT_B),
            change(INDEX_A, Action.CREATE, PROJECT_A),
            change(INDEX_B, Action.CREATE, PROJECT_B),
            change(BINDING_A, Action.CREATE, PROJECT_A),
        ],
        provider,
    )

    assert outcomes(report) == {
        PROJECT_A: Outcome.FAILED,
        PROJECT_B: Outcome.DONE,
        INDEX_A: Outcome.SKIPPED,
        INDEX_B: Outcome.DONE,
        BINDING_A: Outcome.SKIPPED,
    }
    assert message_of(report, INDEX_A) == "skipped: depends on project/a, which failed"
    assert INDEX_A not in provider.started() and BINDING_A not in provider.started()
    assert not report.ok
    assert [r.address for r in report.failed] == [PROJECT_A]


def test_a_skip_propagates_down_a_chain_naming_the_skipped_dependency() -> None:
    provider = FakeProvider({PROJECT_A: Script(outcome=Outcome.FAILED)})
    report = run(
        [change(PROJECT_A), change(KEY_A, Action.CREATE, PROJECT_A), change(BINDING_A, Action.CREATE, KEY_A)],
        provider,
    )

    assert outcomes(report)[BINDING_A] is Outcome.SKIPPED
    assert message_of(report, BINDING_A) == f"skipped: depends on {KEY_A}, which was skipped"


def test_a_blocked_change_is_never_executed_and_its_dependants_are_skipped() -> None:
    provider = FakeProvider()
    report = run(
        [
            change(INDEX_A, Action.REPLACE, blocked="replace"),
            change(BINDING_A, Action.CREATE, INDEX_A),
            change(PROJECT_B),
        ],
        provider,
    )

    assert outcomes(report) == {INDEX_A: Outcome.SKIPPED, BINDING_A: Outcome.SKIPPED, PROJECT_B: Outcome.DONE}
    assert message_of(report, INDEX_A) == "blocked by replace"
    assert provider.started() == [PROJECT_B]


def test_an_api_error_becomes_a_failed_result_with_its_message() -> None:
    provider = FakeProvider(
        {INDEX_A: Script(raises=Forbidden(403, "FORBIDDEN", "Deletion protection is enabled"))}
    )
    report = run([change(INDEX_A, Action.DELETE)], provider)

    assert outcomes(report) == {INDEX_A: Outcome.FAILED}
    assert "403 FORBIDDEN: Deletion protection is enabled" in message_of(report, INDEX_A)


def test_a_multi_line_error_becomes_one_line() -> None:
    provider = FakeProvider({PROJECT_A: Script(raises=ApiError(400, "INVALID", "line one\nline two"))})
    report = run([change(PROJECT_A)], provider)

    assert "\n" not in message_of(report, PROJECT_A)
    assert "line one line two" in message_of(report, PROJECT_A)


def test_an_unexpected_exception_fails_the_change_without_showing_its_text() -> None:
    provider = FakeProvider({KEY_A: Script(raises=KeyError(f"response body with {SECRET}"))})
    report = run([change(KEY_A), change(PROJECT_B)], provider)

    assert outcomes(report) == {KEY_A: Outcome.FAILED, PROJECT_B: Outcome.DONE}
    assert "KeyError" in message_of(report, KEY_A)
    assert SECRET not in message_of(report, KEY_A)


def test_a_secret_the_change_created_is_redacted_from_its_error_message() -> None:
    sink = MemorySink()
    provider = FakeProvider(
        {KEY_A: Script(secret=SECRET, raises=ApiError(500, "INTERNAL", f"could not tag key {SECRET}"))}
    )
    report = run([change(KEY_A)], provider, sink=sink)

    assert sink.stored[(KEY_A, "value")] == SECRET
    assert SECRET not in message_of(report, KEY_A)
    assert "could not tag key [redacted]" in message_of(report, KEY_A)


def test_the_provider_discards_and_renames_secrets_through_the_run_s_sink() -> None:
    sink = MemorySink()
    old = Address.api_key("a", "old-name")
    provider = FakeProvider(
        {KEY_A: Script(renames=old), INDEX_A: Script(secret=SECRET, discards="secrets/recs.value")}
    )

    run([change(KEY_A, Action.RENAME), change(INDEX_A)], provider, sink=sink, parallelism=1)

    assert sink.moves == [("rename", (old, KEY_A)), ("discard", "secrets/recs.value")]


def test_a_created_secret_is_reported_by_path_only() -> None:
    provider = FakeProvider({KEY_A: Script(secret=SECRET)})
    report = run([change(KEY_A)], provider)

    assert report.results[0].secret_path == "secrets/recs-service.value"
    assert report.secret_paths == ("secrets/recs-service.value",)
    assert SECRET not in repr(report)


# Waiting for indexes


def test_index_changes_are_waited_for_when_wait_is_on() -> None:
    provider = FakeProvider()
    actions = [Action.CREATE, Action.UPDATE, Action.ADOPT, Action.REPLACE, Action.DELETE]
    indexes = [Address.index("a", f"i-{a.value}") for a in actions]
    run([change(i, a) for i, a in zip(indexes, actions, strict=True)], provider, wait=True)

    assert sorted(provider.waited()) == sorted(indexes)


def test_nothing_is_waited_for_when_wait_is_off() -> None:
    provider = FakeProvider()
    report = run([change(INDEX_A), change(INDEX_B, Action.DELETE)], provider, wait=False)

    assert report.ok
    assert provider.waited() == []


def test_only_index_changes_are_waited_for() -> None:
    provider = FakeProvider()
    run([change(PROJECT_A), change(KEY_A), change(BINDING_A), change(INDEX_A)], provider)

    assert provider.waited() == [INDEX_A]


def test_an_already_existing_index_is_still_waited_for() -> None:
    provider = FakeProvider({INDEX_A: Script(outcome=Outcome.ALREADY)})
    run([change(INDEX_A)], provider)

    assert provider.waited() == [INDEX_A]


def test_a_failed_change_is_not_waited_for() -> None:
    provider = FakeProvider({INDEX_A: Script(raises=ServerError(503, "UNAVAILABLE", "try later"))})
    run([change(INDEX_A)], provider)

    assert provider.waited() == []


def test_a_failed_wait_fails_the_change_and_skips_its_dependants() -> None:
    provider = FakeProvider({INDEX_A: Script(wait_raises=ServerError(500, "INTERNAL", "describe failed"))})
    report = run([change(INDEX_A), change(BINDING_A, Action.CREATE, INDEX_A)], provider)

    assert outcomes(report) == {INDEX_A: Outcome.FAILED, BINDING_A: Outcome.SKIPPED}
    assert "describe failed" in message_of(report, INDEX_A)


def test_a_wait_timeout_fails_the_change() -> None:
    provider = FakeProvider({INDEX_A: Script(wait_raises=TimeoutError("still Initializing after 600s"))})
    report = run([change(INDEX_A)], provider)

    assert outcomes(report) == {INDEX_A: Outcome.FAILED}
    assert message_of(report, INDEX_A) == "timed out waiting for the index: still Initializing after 600s"


# What the provider receives and what the observer sees


def test_the_provider_receives_the_desired_and_live_resource_of_the_change() -> None:
    desired = Resource(INDEX_A, {"name": "recs", "tags": {"team": "a"}})
    live = Resource(INDEX_A, {"name": "recs", "tags": {}})
    provider = FakeProvider()
    update = dataclasses.replace(change(INDEX_A, Action.UPDATE), after=desired.attrs)
    run([update, change(INDEX_B, Action.DELETE)], provider, live=State.of([live]))

    assert provider.received[INDEX_A] == (desired, live)  # the desired side is the change's own `after`
    assert provider.received[INDEX_B] == (None, None)  # a delete has no desired side


def test_the_provider_is_told_which_objects_declarate_itself_runs_with() -> None:
    provider = FakeProvider()
    own = frozenset({BINDING_A})

    run([change(INDEX_A, Action.DELETE)], provider, live=State.of([], protected=own))

    assert provider.protected[INDEX_A] == own


def test_the_observer_sees_each_change_start_wait_and_finish() -> None:
    observer = RecordingObserver()
    provider = FakeProvider({INDEX_A: Script(wait_states=("Initializing", "Ready"))})
    run([change(PROJECT_A), change(INDEX_A, Action.CREATE, PROJECT_A)], provider, observer=observer)

    assert observer.calls == [
        ("started", PROJECT_A, ""),
        ("finished", PROJECT_A, "done"),
        ("started", INDEX_A, ""),
        ("waiting", INDEX_A, "Initializing"),
        ("waiting", INDEX_A, "Ready"),
        ("finished", INDEX_A, "done"),
    ]


def test_a_skipped_change_is_reported_finished_without_starting() -> None:
    observer = RecordingObserver()
    run([change(INDEX_A, Action.DELETE, blocked="deletion_protection")], observer=observer)

    assert observer.calls == [("finished", INDEX_A, "skipped")]


@dataclass
class CountingObserver(RecordingObserver):
    planned_count: int | None = None

    def planned(self, changes: Sequence[Change]) -> None:
        self.planned_count = len(changes)
        self.calls.append(("planned", PROJECT_A, str(len(changes))))


def test_an_observer_that_wants_the_plan_hears_of_it_before_any_change_starts() -> None:
    observer = CountingObserver()
    run([change(PROJECT_A), change(PROJECT_B), change(INDEX_A, Action.CREATE, PROJECT_A)], observer=observer)

    assert observer.planned_count == 3
    assert observer.calls[0][0] == "planned"


class BrokenObserver:
    def planned(self, changes: Sequence[Change]) -> None:
        raise RuntimeError("display broke")

    def started(self, change: Change) -> None:
        raise RuntimeError("display broke")

    def waiting(self, change: Change, state: str) -> None:
        raise RuntimeError("display broke")

    def finished(self, change: Change, result: ChangeResult) -> None:
        raise RuntimeError("display broke")


def test_a_broken_progress_display_does_not_fail_the_apply() -> None:
    report = run([change(PROJECT_A), change(INDEX_A, Action.CREATE, PROJECT_A)], observer=BrokenObserver())

    assert report.ok


def test_report_counts_every_outcome() -> None:
    provider = FakeProvider(
        {PROJECT_A: Script(outcome=Outcome.FAILED), PROJECT_B: Script(outcome=Outcome.ALREADY)}
    )
    report = run(
        [change(PROJECT_A), change(PROJECT_B), change(INDEX_A, Action.CREATE, PROJECT_A), change(KEY_A)],
        provider,
    )

    assert report.counts() == {"done": 1, "already": 1, "failed": 1, "skipped": 1}


# Properties over random dependency graphs


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[Change], set[Address]]:
    """A plan of up to 12 changes, each depending on some earlier ones, and the set that will fail."""
    size = draw(st.integers(min_value=1, max_value=12))
    addresses = [Address.project_(f"p{i}") for i in range(size)]
    changes = []
    for i, address in enumerate(addresses):
        deps = draw(st.sets(st.sampled_from(addresses[:i]), max_size=3)) if i else set()
        changes.append(change(address, Action.CREATE, *sorted(deps)))
    order = draw(st.permutations(changes))  # plan order need not be a topological order
    failing = draw(st.sets(st.sampled_from(addresses), max_size=3))
    return list(order), failing


@settings(max_examples=examples(60), deadline=None, derandomize=MUTATION)
@given(graph=graphs(), parallelism=st.integers(min_value=1, max_value=4))
def test_every_change_runs_after_its_dependencies_and_failures_skip_exactly_their_dependants(
    graph: tuple[list[Change], set[Address]], parallelism: int
) -> None:
    changes, failing = graph
    provider = FakeProvider({a: Script(outcome=Outcome.FAILED) for a in failing})
    report = run(changes, provider, parallelism=parallelism)

    assert [r.address for r in report.results] == [c.address for c in changes]
    assert provider.max_in_flight <= parallelism
    by_address = {c.address: c for c in changes}

    def blocked_by_failure(address: Address) -> bool:
        return any(d in failing or blocked_by_failure(d) for d in by_address[address].depends_on)

    for c in changes:
        expected = (
            Outcome.SKIPPED
            if blocked_by_failure(c.address)
            else Outcome.FAILED
            if c.address in failing
            else Outcome.DONE
        )
        assert outcomes(report)[c.address] is expected
        if expected is not Outcome.SKIPPED:
            start = provider.events.index(("start", c.address))
            assert all(provider.events.index(("end", d)) < start for d in c.depends_on)
