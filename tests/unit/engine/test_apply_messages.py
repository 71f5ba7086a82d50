"""What a user reads after an apply: each change's message, the log lines, and the default run.

The messages of failed, skipped and timed-out changes are printed in the apply summary and the PR
comment, and the log lines appear with `-v`; they are pinned word for word here. The fake provider
comes from `test_apply`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets as random_secrets

import pytest

from declarate.engine.apply import apply_plan
from declarate.errors import DeclarateError
from declarate.model.address import Address
from declarate.model.plan import Action, Change, Plan
from declarate.model.state import State
from declarate.providers.base import ChangeResult, Outcome, SecretSink

from .test_apply import (
    INDEX_A,
    KEY_A,
    PROJECT_A,
    PROJECT_B,
    FakeProvider,
    MemorySink,
    RecordingObserver,
    Script,
    change,
    message_of,
    outcomes,
    run,
)

LIMIT = 500  # characters of a result message (apply._MESSAGE_LIMIT)


def explode() -> None:
    raise ValueError("response body with a token in it")


EXPLODE_LINE = explode.__code__.co_firstlineno + 1


class ExplodingProvider(FakeProvider):
    async def execute(
        self, change: Change, desired: object, live: object, secrets: SecretSink, *, protected: object
    ) -> ChangeResult:
        explode()
        raise AssertionError("unreachable")


class LibraryErrorProvider(FakeProvider):
    """Fails inside a library function (dataclasses.replace on a non-dataclass)."""

    async def execute(
        self, change: Change, desired: object, live: object, secrets: SecretSink, *, protected: object
    ) -> ChangeResult:
        return dataclasses.replace(object(), address=change.address)  # type: ignore[type-var]


class ChattyProvider(FakeProvider):
    """Answers with another address and a multi-line message, as a careless provider might."""

    async def execute(
        self, change: Change, desired: object, live: object, secrets: SecretSink, *, protected: object
    ) -> ChangeResult:
        return ChangeResult(PROJECT_B, Outcome.DONE, "created\n  after two tries")


def test_an_unexpected_exception_names_its_type_and_where_it_was_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="declarate.engine.apply"):
        report = run([change(KEY_A)], ExplodingProvider())

    where = f"in explode (test_apply_messages.py:{EXPLODE_LINE})"
    assert message_of(report, KEY_A) == (
        f"unexpected error: ValueError {where} (a bug in declarate; please report it)"
    )
    assert [r.getMessage() for r in caplog.records] == [
        f"create project/a/api-key/recs-service raised ValueError {where}"
    ]
    assert "token" not in caplog.text


def test_an_exception_raised_in_a_library_names_the_library_frame() -> None:
    message = message_of(run([change(KEY_A)], LibraryErrorProvider()), KEY_A)

    assert message.startswith("unexpected error: TypeError in replace (dataclasses.py:")


def test_an_error_without_text_is_named_by_its_type() -> None:
    provider = FakeProvider({PROJECT_A: Script(raises=DeclarateError())})

    assert message_of(run([change(PROJECT_A)], provider), PROJECT_A) == "DeclarateError"


def test_a_result_is_reported_under_the_change_address_on_one_line() -> None:
    report = run([change(PROJECT_A)], ChattyProvider())

    assert [(r.address, r.message) for r in report.results] == [(PROJECT_A, "created after two tries")]


def test_a_message_of_exactly_the_limit_is_kept_whole() -> None:
    text = "x" * LIMIT
    provider = FakeProvider({PROJECT_A: Script(raises=DeclarateError(text))})

    assert message_of(run([change(PROJECT_A)], provider), PROJECT_A) == text


def test_a_longer_message_is_cut_to_the_limit_with_an_ellipsis() -> None:
    text = "x" * (LIMIT + 1)
    provider = FakeProvider({PROJECT_A: Script(raises=DeclarateError(text))})

    assert message_of(run([change(PROJECT_A)], provider), PROJECT_A) == "x" * (LIMIT - 1) + "…"


def test_a_timeout_without_detail_says_only_that_it_timed_out() -> None:
    provider = FakeProvider({INDEX_A: Script(wait_raises=TimeoutError())})

    assert message_of(run([change(INDEX_A)], provider), INDEX_A) == "timed out waiting for the index"


def test_a_timeout_with_detail_adds_it() -> None:
    provider = FakeProvider({INDEX_A: Script(wait_raises=TimeoutError("still Initializing after 600 s"))})

    assert message_of(run([change(INDEX_A)], provider), INDEX_A) == (
        "timed out waiting for the index: still Initializing after 600 s"
    )


def test_a_failed_wait_logs_which_change_failed(caplog: pytest.LogCaptureFixture) -> None:
    provider = FakeProvider({INDEX_A: Script(wait_raises=KeyError("x"))})

    with caplog.at_level(logging.ERROR, logger="declarate.engine.apply"):
        report = run([change(INDEX_A, Action.UPDATE)], provider)

    assert message_of(report, INDEX_A).startswith("waiting failed: unexpected error: KeyError in wait (")
    assert caplog.records[0].getMessage().startswith("update project/a/index/recs raised KeyError in wait (")


def test_a_dependency_cycle_names_every_change_in_it() -> None:
    report = run([change(INDEX_A, Action.CREATE, PROJECT_A), change(PROJECT_A, Action.CREATE, INDEX_A)])

    expected = "skipped: dependency cycle among project/a, project/a/index/recs"
    assert [message_of(report, a) for a in (INDEX_A, PROJECT_A)] == [expected, expected]


def test_a_change_that_names_itself_as_a_dependency_still_runs() -> None:
    report = run([change(PROJECT_A, Action.CREATE, PROJECT_A)])

    assert outcomes(report) == {PROJECT_A: Outcome.DONE}


def test_counts_add_up_every_result_of_an_outcome() -> None:
    report = run([change(PROJECT_A), change(PROJECT_B), change(INDEX_A, Action.CREATE, PROJECT_A)])

    assert report.counts()["done"] == 3


def test_by_default_index_changes_are_waited_for_and_eight_changes_run_at_once() -> None:
    provider = FakeProvider()
    gate = asyncio.Event()

    async def apply() -> None:
        addresses = [Address.project_(f"p{n}") for n in range(9)]
        provider.scripts = {a: Script(gate=gate) for a in addresses}
        plan = Plan(changes=(*(Change(a, Action.CREATE) for a in addresses), Change(INDEX_A, Action.CREATE)))
        task = asyncio.create_task(
            apply_plan(plan, State(), provider, observer=RecordingObserver(), secrets=MemorySink())
        )
        for _ in range(50):
            await asyncio.sleep(0)
        gate.set()
        await task

    asyncio.run(apply())

    assert provider.max_in_flight == 8
    assert provider.waited() == [INDEX_A]


def test_a_secret_stored_during_apply_is_redacted_from_later_messages() -> None:
    secret = "pcsk_" + random_secrets.token_hex(16)  # unique: the redaction registry is process-wide
    provider = FakeProvider(
        {
            KEY_A: Script(secret=secret),
            PROJECT_B: Script(raises=DeclarateError(f"conflict with {secret}")),
        }
    )

    report = run([change(KEY_A), change(PROJECT_B, Action.CREATE, KEY_A)], provider, parallelism=1)

    assert message_of(report, PROJECT_B) == "conflict with [redacted]"


class BrokenDisplay(RecordingObserver):
    def planned(self, changes: object) -> None:
        raise RuntimeError("no terminal")

    def started(self, change: Change) -> None:
        raise RuntimeError("no terminal")

    def waiting(self, change: Change, state: str) -> None:
        raise OSError("no terminal")

    def finished(self, change: Change, result: ChangeResult) -> None:
        raise ValueError("no terminal")


def test_a_broken_display_is_logged_once_per_event_by_type_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="declarate.engine.apply"):
        report = run([change(INDEX_A)], observer=BrokenDisplay())

    assert report.ok
    assert [r.getMessage() for r in caplog.records] == [
        "progress display failed on planned: RuntimeError",
        "progress display failed on started: RuntimeError",
        "progress display failed on waiting: OSError",
        "progress display failed on finished: ValueError",
    ]
    assert "no terminal" not in caplog.text


@pytest.mark.parametrize(
    ("address", "action", "waited"),
    [
        (INDEX_A, Action.CREATE, True),
        (INDEX_A, Action.UPDATE, True),
        (INDEX_A, Action.ADOPT, True),
        (INDEX_A, Action.REPLACE, True),
        (INDEX_A, Action.DELETE, True),
        (PROJECT_A, Action.CREATE, False),
        (KEY_A, Action.UPDATE, False),
    ],
)
def test_every_index_change_is_waited_for_and_nothing_else(
    address: Address, action: Action, waited: bool
) -> None:
    provider = FakeProvider()

    run([Change(address, action)], provider)

    assert provider.waited() == ([address] if waited else [])
