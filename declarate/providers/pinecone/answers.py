"""Answers that are not what the API describes: one typed error instead of a traceback.

The provider reads server JSON by the 2026-07 specs (`answer["name"]`, `page.get("data")`). A server
that answers something else (a list where an object belongs, an index without a name, a count that
is a string) would otherwise surface as a KeyError or AttributeError traceback from deep inside a
read. `reading(what)` turns the errors of indexing into an answer of the wrong shape into
MalformedAnswer, a DeclarateError the cli reports in one line and the report shows as unknown. It is
used where a server's answer is interpreted, never around declarate's own planning. It never retries
and never guesses a value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from declarate.errors import DeclarateError

# What indexing into JSON of the wrong shape raises: a missing key, a list or str or None where a
# mapping belongs, an int() of something that is not a number.
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError)


class MalformedAnswer(DeclarateError):
    """A server's answer that is not what the API describes: its figures or objects are not used."""


def malformed(what: str, exc: BaseException) -> MalformedAnswer:
    """The MalformedAnswer for a shape error met while reading `what`."""
    detail = f"{type(exc).__name__}: {exc}"[:200]
    return MalformedAnswer(f"{what}: the server's answer is not what the API describes ({detail})")


@contextlib.contextmanager
def reading(what: str) -> Iterator[None]:
    """Raise MalformedAnswer (naming `what`) for a shape error raised inside the block."""
    try:
        yield
    except SHAPE_ERRORS as exc:
        raise malformed(what, exc) from None
