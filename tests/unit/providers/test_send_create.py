"""A create that cannot be resent blindly: every lost answer is looked for, the last one too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from declarate.providers.pinecone.admin_changes import _discard_void
from declarate.providers.pinecone.client import AmbiguousFailure, send_create


class _Api:
    """A create whose first `lost` answers are lost after the object was made."""

    def __init__(self, lost: int) -> None:
        self.lost = lost
        self.made: list[str] = []
        self.swept: list[str] = []

    async def send(self) -> dict[str, Any]:
        self.made.append(f"key-{len(self.made) + 1}")
        if len(self.made) <= self.lost:
            raise AmbiguousFailure("the server closed the connection")
        return {"id": self.made[-1]}

    async def sweep(self) -> None:
        self.swept.extend(k for k in self.made if k not in self.swept)


def test_a_lost_answer_is_swept_and_sent_again() -> None:
    api = _Api(lost=2)

    answer = asyncio.run(send_create(api.send, api.sweep, attempts=3))

    assert answer == {"id": "key-3"}
    assert api.swept == ["key-1", "key-2"]


def test_when_every_answer_is_lost_the_last_attempt_is_swept_too_before_failing() -> None:
    api = _Api(lost=3)

    with pytest.raises(AmbiguousFailure):
        asyncio.run(send_create(api.send, api.sweep, attempts=3))

    assert api.made == ["key-1", "key-2", "key-3"]
    assert api.swept == api.made  # nothing made by a lost attempt stays live without its secret


def test_an_object_the_last_lost_attempt_made_is_accepted_when_it_can_be() -> None:
    made: list[int] = []

    async def send() -> dict[str, Any]:
        made.append(1)
        raise AmbiguousFailure("timed out")

    async def found() -> dict[str, Any] | None:
        return {"id": "project-1"} if len(made) == 3 else None

    assert asyncio.run(send_create(send, found, attempts=3)) == {"id": "project-1"}


def test_a_racer_that_yielded_then_won_keeps_the_secret_it_wrote_twice_to_one_path() -> None:
    discarded: list[str] = []

    class Sink:
        def discard(self, path: str) -> None:
            discarded.append(path)

    path = "secrets/project__a__api-key__k.value"
    _discard_void(Sink(), [path, path], kept_last=True)  # type: ignore[arg-type]
    assert discarded == []
    _discard_void(Sink(), ["first", path], kept_last=True)  # type: ignore[arg-type]
    assert discarded == ["first"]
    _discard_void(Sink(), [path, path], kept_last=False)  # type: ignore[arg-type]
    assert discarded == ["first", path]
