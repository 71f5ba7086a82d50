"""Apply progress on screen: ApplyObserver implementations for a terminal (rich) and for logs (plain).

`make_observer` picks one: `RichProgress` draws one overall bar plus a line per running change with
its state on a TTY; `PlainProgress` writes one uncoloured line per finished change, for CI logs and
pipes. Both are context managers (`with make_observer(console, tty=..., total=n) as observer:`).

This module only displays what the engine reports: it never decides an outcome, and the messages it
shows were already made one-line and secret-free by the executor (they are also shown as plain text,
never interpreted as rich markup).
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from declarate.model.address import Address
from declarate.model.plan import Action, Change
from declarate.providers.base import ChangeResult, Outcome
from declarate.redaction import redact
from declarate.render.escape import printable

Clock = Callable[[], float]
_Key = tuple[Address, Action]

OUTCOME_STYLES: dict[Outcome, str] = {
    Outcome.DONE: "green",
    Outcome.ALREADY: "cyan",
    Outcome.FAILED: "bold red",
    Outcome.SKIPPED: "yellow",
}


def describe(change: Change) -> str:
    """`create project/a/index/b`: how every progress line names a change."""
    return printable(redact(f"{change.action.value} {change.address}"))


def outcome_phrase(result: ChangeResult, seconds: float | None) -> str:
    """`done (2.1s)`, `failed (0.3s): 403 FORBIDDEN: ...`, `skipped: blocked by ...`, and where a
    created secret was written."""
    phrase = "already done" if result.outcome is Outcome.ALREADY else result.outcome.value
    if seconds is not None:
        phrase += f" ({seconds:.1f}s)"
    message = result.message.removeprefix(f"{result.outcome.value}: ")  # `skipped: skipped: ...` reads badly
    if message:
        phrase += f": {' '.join(message.split())}"
    if result.secret_path:
        phrase += f"; secret written to {result.secret_path}"
    return printable(redact(phrase))


class ProgressObserver(ABC):
    """An ApplyObserver that may hold the screen between `open` and `close`.

    It keeps every result it was shown (`results`, in the order changes finished), so an apply
    cut short by Ctrl-C can still report what finished.
    """

    def __init__(self) -> None:
        self.results: list[ChangeResult] = []

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:  # noqa: B027 - an optional hook: plain output needs no setup
        """Take the screen (if the display needs to); called once before the first change."""

    def close(self) -> None:  # noqa: B027 - an optional hook, like open
        """Release the screen; safe to call twice."""

    @abstractmethod
    def planned(self, changes: Sequence[Change]) -> None:
        """The apply's changes, before any runs (`apply_plan` calls this): sets the total."""

    @abstractmethod
    def started(self, change: Change) -> None: ...

    @abstractmethod
    def waiting(self, change: Change, state: str) -> None: ...

    @abstractmethod
    def finished(self, change: Change, result: ChangeResult) -> None: ...


def _key(change: Change) -> _Key:
    return (change.address, change.action)


class PlainProgress(ProgressObserver):
    """One plain line per change, when it finishes: `[ 3/12] create project/a/index/b ... done (2.1s)`.

    For logs and pipes, where a line cannot be redrawn: a line when a change starts or waits would
    show each change two or three times. The counter counts finished changes; the time shown is
    from start to finish, waits for Ready included.
    """

    def __init__(self, out: Console | TextIO, *, total: int | None = None, clock: Clock = time.monotonic):
        super().__init__()
        self._out = out
        self._total = total
        self._clock = clock
        self._finished = 0
        self._started_at: dict[_Key, float] = {}

    def planned(self, changes: Sequence[Change]) -> None:
        self._total = len(changes)

    def started(self, change: Change) -> None:
        self._started_at[_key(change)] = self._clock()

    def waiting(self, change: Change, state: str) -> None:
        """Not shown: the finished line tells how long the change took, waits included."""

    def finished(self, change: Change, result: ChangeResult) -> None:
        self.results.append(result)
        self._finished += 1
        started_at = self._started_at.pop(_key(change), None)
        seconds = None if started_at is None else self._clock() - started_at
        self._write(f"{self._counter()} {describe(change)} ... {outcome_phrase(result, seconds)}")

    def _counter(self) -> str:
        if self._total is None:
            return f"[{self._finished}]"
        width = len(str(self._total))
        return f"[{self._finished:>{width}}/{self._total}]"

    def _write(self, line: str) -> None:
        if isinstance(self._out, Console):
            # `out` neither wraps, nor highlights, nor reads markup: the line is written as is.
            self._out.out(line, highlight=False)
        else:
            self._out.write(line + "\n")
            self._out.flush()


@dataclass
class _Running:
    change: Change
    started_at: float
    state: str = "running"
    spinner: Spinner = field(default_factory=lambda: Spinner("dots", style="cyan"))


class RichProgress(ProgressObserver):
    """A live display for a TTY: one overall bar, and a line per running change with its state.

    Finished changes are printed above the live area as permanent lines, so the scrollback keeps the
    whole story once the display closes. The display starts on the first event if `open` was not
    called, and stops once `total` changes have finished.
    """

    def __init__(self, console: Console, *, total: int | None = None, clock: Clock = time.monotonic):
        super().__init__()
        self._console = console
        self._total = total
        self._clock = clock
        self._began = clock()
        self._finished = 0
        self._failed = 0
        self._running: dict[_Key, _Running] = {}
        # rich refreshes the display from its own thread while the event loop mutates `_running`.
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._closed = False

    @property
    def active(self) -> bool:
        """True while the live display holds the terminal."""
        return self._live is not None

    def open(self) -> None:
        if self._live is None and not self._closed:
            self._began = self._clock()
            self._live = Live(
                get_renderable=self._render,
                console=self._console,
                refresh_per_second=8,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def close(self) -> None:
        self._closed = True
        if self._live is not None:
            self._live.stop()
            self._live = None

    def planned(self, changes: Sequence[Change]) -> None:
        with self._lock:
            self._total = len(changes)

    def started(self, change: Change) -> None:
        self.open()
        with self._lock:
            self._running[_key(change)] = _Running(change, self._clock())

    def waiting(self, change: Change, state: str) -> None:
        with self._lock:
            running = self._running.get(_key(change))
            if running is not None:
                running.state = f"waiting: {printable(' '.join(state.split()))}"

    def finished(self, change: Change, result: ChangeResult) -> None:
        # No `open` here: a run of only skipped changes needs no live display, just its lines.
        with self._lock:
            self.results.append(result)
            running = self._running.pop(_key(change), None)
            self._finished += 1
            self._failed += result.outcome is Outcome.FAILED
        seconds = None if running is None else self._clock() - running.started_at
        line = Text.assemble(
            (describe(change), "bold"),
            " ... ",
            (outcome_phrase(result, seconds), OUTCOME_STYLES[result.outcome]),
        )
        self._console.print(line, highlight=False)
        if self._live is not None:
            self._live.refresh()  # otherwise the bar lags behind the line just printed until the next tick
        if self._total is not None and self._finished >= self._total:
            self.close()

    def _render(self) -> RenderableType:
        with self._lock:
            finished, failed = self._finished, self._failed
            running = list(self._running.values())
        now = self._clock()
        overall = Table.grid(padding=(0, 1))
        overall.add_row(
            Text("Applying", style="bold"),
            ProgressBar(total=self._total, completed=finished, width=40),
            Text(f"{finished}/{self._total}" if self._total is not None else str(finished)),
            Text(f"{failed} failed", style="red") if failed else Text(""),
            Text(f"{now - self._began:.0f}s", style="dim"),
        )
        lines: list[RenderableType] = [overall]
        for item in running:
            label = Text.assemble(
                describe(item.change), ": ", (item.state, "cyan"), (f" ({now - item.started_at:.0f}s)", "dim")
            )
            item.spinner.update(text=label)
            lines.append(item.spinner)
        return Group(*lines)


def make_observer(console: Console, *, tty: bool, total: int | None = None) -> ProgressObserver:
    """RichProgress on a TTY, PlainProgress (no colour, one line per finished change) otherwise.

    `total` is the number of changes in the plan; it sizes the overall bar and the `[ 3/12]` counter.
    """
    if tty:
        return RichProgress(console, total=total)
    return PlainProgress(console, total=total)
