"""Apply progress as a user reads it: plain lines in CI logs, a live display on a terminal."""

from __future__ import annotations

import asyncio
import io
import re

from rich.console import Console

from declarate.engine.apply import apply_plan
from declarate.errors import ApiError
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.resource import Resource
from declarate.model.state import State
from declarate.progress import PlainProgress, RichProgress, make_observer
from declarate.providers.base import ApplyObserver, ChangeResult, Outcome, ReadRequest, SecretSink

ANSI = re.compile(r"\x1b\[")
PROJECT = Change(Address.project_("a"), Action.CREATE)
INDEX = Change(Address.index("a", "recs"), Action.CREATE, depends_on=(PROJECT.address,))
KEY = Change(Address.api_key("a", "recs-service"), Action.CREATE, depends_on=(PROJECT.address,))
OLD_INDEX = Change(Address.index("a", "old"), Action.DELETE)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def scripted_run(observer: PlainProgress | RichProgress, clock: FakeClock) -> None:
    """A small apply as the executor would report it: one success, one wait, one failure, one skip."""
    observer.started(PROJECT)
    clock.advance(0.4)
    observer.finished(PROJECT, ChangeResult(PROJECT.address, Outcome.DONE))
    observer.started(INDEX)
    observer.started(OLD_INDEX)
    observer.waiting(INDEX, "Initializing")
    observer.waiting(INDEX, "Initializing")  # the provider polls again: no new line
    clock.advance(2.1)
    observer.waiting(INDEX, "Ready")
    observer.finished(INDEX, ChangeResult(INDEX.address, Outcome.DONE))
    observer.finished(
        OLD_INDEX,
        ChangeResult(OLD_INDEX.address, Outcome.FAILED, "403 FORBIDDEN: Deletion protection is enabled"),
    )
    observer.finished(
        KEY, ChangeResult(KEY.address, Outcome.SKIPPED, "skipped: depends on project/a, which failed")
    )


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_plain_progress_writes_one_line_per_change_with_addresses_and_outcomes() -> None:
    stream, clock = io.StringIO(), FakeClock()
    observer = PlainProgress(stream, total=4, clock=clock)
    scripted_run(observer, clock)

    assert lines(stream) == [
        "[1/4] create project/a ... done (0.4s)",
        "[2/4] create project/a/index/recs ... done (2.1s)",
        "[3/4] delete project/a/index/old ... failed (2.1s): 403 FORBIDDEN: Deletion protection is enabled",
        "[4/4] create project/a/api-key/recs-service ... skipped: depends on project/a, which failed",
    ]
    assert [r.outcome for r in observer.results] == [
        Outcome.DONE,
        Outcome.DONE,
        Outcome.FAILED,
        Outcome.SKIPPED,
    ]


def test_the_counter_is_padded_to_the_width_of_the_total() -> None:
    stream = io.StringIO()
    observer = PlainProgress(stream, total=12, clock=FakeClock())
    observer.finished(PROJECT, ChangeResult(PROJECT.address, Outcome.ALREADY))

    assert lines(stream) == ["[ 1/12] create project/a ... already done"]


def test_without_a_total_the_counter_counts_finished_changes() -> None:
    stream = io.StringIO()
    observer = PlainProgress(stream, clock=FakeClock())
    observer.finished(PROJECT, ChangeResult(PROJECT.address, Outcome.DONE))

    assert lines(stream) == ["[1] create project/a ... done"]


def test_a_created_secret_is_shown_by_its_path() -> None:
    stream = io.StringIO()
    observer = PlainProgress(stream, total=1, clock=FakeClock())
    observer.finished(KEY, ChangeResult(KEY.address, Outcome.DONE, secret_path=".declarate/secrets/k.value"))

    assert lines(stream) == [
        "[1/1] create project/a/api-key/recs-service ... done; secret written to .declarate/secrets/k.value"
    ]


def test_a_non_tty_console_gets_plain_lines_without_ansi_codes() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=60)
    observer = make_observer(console, tty=False, total=4)
    assert isinstance(observer, PlainProgress)

    with observer:
        scripted_run(observer, FakeClock())

    text = out.getvalue()
    assert not ANSI.search(text)
    assert "[3/4] delete project/a/index/old ... failed" in text
    # a long line stays one line: logs are grepped by address and outcome
    assert any(
        line.startswith("[3/4]") and "Deletion protection is enabled" in line for line in text.splitlines()
    )


def test_rich_markup_in_a_message_is_printed_literally() -> None:
    out = io.StringIO()
    observer = make_observer(Console(file=out, force_terminal=False), tty=False, total=1)
    observer.finished(PROJECT, ChangeResult(PROJECT.address, Outcome.FAILED, "bad value [bold]x[/bold]"))

    assert "bad value [bold]x[/bold]" in out.getvalue()


def test_a_tty_gets_a_live_display_that_leaves_one_line_per_finished_change() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    observer = make_observer(console, tty=True, total=4)
    assert isinstance(observer, RichProgress)

    with observer:
        scripted_run(observer, FakeClock())

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    for expected in (
        "create project/a ... done",
        "create project/a/index/recs ... done",
        "delete project/a/index/old ... failed",
        "create project/a/api-key/recs-service ... skipped",
    ):
        assert expected in plain


def test_the_live_display_shows_running_changes_with_their_state() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with RichProgress(console, total=3, clock=FakeClock()) as observer:
        observer.started(PROJECT)
        observer.started(INDEX)
        observer.waiting(INDEX, "Initializing")
        observer.finished(PROJECT, ChangeResult(PROJECT.address, Outcome.DONE))  # redraws the display

    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert "create project/a/index/recs: waiting: Initializing" in shown
    assert "1/3" in shown


# Progress of a real (fake-provider) apply: the secret reaches the sink and never the screen.

SECRET = "pcsk_progress_secret_987654321"


class KeyCreatingProvider:
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
        if change.address == KEY.address:
            secrets.store(change.address, "value", SECRET)
            raise ApiError(500, "INTERNAL", f"created {SECRET} but could not confirm")
        return ChangeResult(change.address, Outcome.DONE)

    async def wait(self, change: Change, observer: ApplyObserver) -> None:
        observer.waiting(change, "Initializing")

    async def aclose(self) -> None:
        return None


class KeptSink:
    def __init__(self) -> None:
        self.values: list[str] = []

    def store(self, address: Address, field: str, value: str) -> str:
        self.values.append(value)
        return "secrets/k.value"


def apply_with(observer: ApplyObserver) -> None:
    sink = KeptSink()
    plan = Plan(changes=(PROJECT, KEY, INDEX))
    asyncio.run(apply_plan(plan, State(), KeyCreatingProvider(), observer=observer, secrets=sink))
    assert sink.values == [SECRET]


def test_an_apply_shown_in_plain_lines_never_shows_a_secret() -> None:
    stream = io.StringIO()
    apply_with(PlainProgress(stream))

    text = stream.getvalue()
    assert SECRET not in text
    assert "[3/3]" in text  # the executor told the display how many changes there are
    assert "create project/a/api-key/recs-service ... failed" in text
    assert "created [redacted] but could not confirm" in text
    assert "waiting" not in text  # off a terminal, one line per change, when it finishes


def test_a_live_display_used_without_a_with_block_closes_itself_after_the_last_change() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    observer = make_observer(console, tty=True)
    assert isinstance(observer, RichProgress)

    apply_with(observer)

    assert not observer.active
