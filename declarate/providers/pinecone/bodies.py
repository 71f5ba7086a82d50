"""Answer bodies decoded from JSON: with orjson wherever it reads a body as the stdlib does.

The client hands every successful answer here. A plan's 50 index lists of 100 indexes each decode
about three times faster with orjson than through httpx's `Response.json()`; bodies where the two
readers could disagree are read by the stdlib, so a body always decodes to the same value. Pure: no
I/O, no logging; it raises only MalformedAnswer, for JSON nested too deep for either reader.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from declarate.providers.pinecone.answers import malformed

# Integers of up to 18 digits fit in 64 bits, where orjson and the stdlib read them alike. A body is
# searched for 19 digits in a row with every digit made a 0 first: a regular expression took three
# times as long as orjson's whole decode.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 19


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none or it is not JSON; MalformedAnswer when
    it is nested too deep to read (a hostile server's, since no API answer is: one line, no traceback).

    orjson first: a plan's 50 index lists of 100 indexes each decode about three times faster than
    with the stdlib. What orjson refuses and the stdlib reads (NaN, lone surrogates, UTF-16) is read
    as httpx reads it, and so is a body with a run of 19 digits: orjson reads an integer beyond 64
    bits as a float, the stdlib as the exact integer. Every body decodes to what it did before.
    """
    content = response.content
    if not content:
        return None
    if _LONG_DIGIT_RUN not in content.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    try:
        return response.json()
    except ValueError:
        return None
    except RecursionError as exc:  # orjson stops at 1,024 levels, the stdlib at Python's recursion limit
        raise malformed(f"{response.request.method} {response.request.url.path}", exc) from None
