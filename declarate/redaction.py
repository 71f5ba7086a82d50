"""Redaction: every credential value this process knows is removed from text before it leaves.

Credentials are registered where they enter the process (the client secret when the target is chosen,
each OAuth access token when it arrives, temporary and created key values, `api_key_env` values, service
account secrets, credential-named environment variables). `redact(text)` replaces each registered value,
and the obvious encodings of it (URL-quoted, JSON-escaped, base64), with `REDACTED`. Every printed,
logged or saved text passes through it last; server error messages are redacted where they are built.

The registry is process-wide on purpose: a value learnt by the provider must be hidden by the cli, the
renderers and the log handler without threading it through every call. This module is a leaf (stdlib
only) so every layer may import it; it never prints, logs or stores a value anywhere else.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"

# Shorter values are not redacted: replacing every `abc` in the output would corrupt it and hide
# nothing of worth (no credential Pinecone issues is this short).
MIN_LENGTH = 8

# Environment variables whose names say they hold a credential (DESIGN §9.2). Their values are
# registered at start, so even a value declarate never uses on purpose is never echoed.
_CREDENTIAL_WORDS = ("SECRET", "TOKEN", "PASSWORD", "API_KEY", "APIKEY", "CREDENTIAL", "PLAN_KEY")

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None


def is_credential_variable(name: str) -> bool:
    """True for an environment variable name that says it holds a credential."""
    upper = name.upper()
    return any(word in upper for word in _CREDENTIAL_WORDS)


def register(value: str | None) -> None:
    """Remember `value` as a credential: from now on `redact` removes it (and its encodings)."""
    global _pattern
    if not isinstance(value, str) or len(value) < MIN_LENGTH:
        return
    forms = _encodings(value)
    with _lock:
        if forms <= _known:
            return
        _known.update(forms)
        _pattern = None


def register_environment(environ: Mapping[str, str]) -> None:
    """Register the value of every credential-named variable of `environ`."""
    for name, value in environ.items():
        if is_credential_variable(name):
            register(value)


def register_all(values: Iterable[str | None]) -> None:
    for value in values:
        register(value)


def forget_all() -> None:
    """Drop every registered value (tests that run several commands in one process)."""
    global _pattern
    with _lock:
        _known.clear()
        _pattern = None


def redact(text: str) -> str:
    """`text` with every registered credential (and its encodings) replaced by REDACTED."""
    if not text:
        return text
    pattern = _current_pattern()
    if pattern is None:
        return text
    return pattern.sub(REDACTED, text)


def redact_data(value: Any) -> Any:
    """A deep copy of JSON-like `value` with every string redacted (keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(key)): redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message (attach it to every handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # A traceback's exception text can hold a server's body: keep only the type.
            exc_type = record.exc_info[0]
            cleaned += f" ({exc_type.__name__ if exc_type else 'error'})"
            record.exc_info = None
            record.exc_text = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def _current_pattern() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _known:
            # Longest first, so a value that contains another is replaced whole.
            ordered = sorted(_known, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(form) for form in ordered))
        return _pattern


def _encodings(value: str) -> set[str]:
    """The forms a value takes in URLs, JSON strings, reprs and base64 headers."""
    raw = value.encode()
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    return {form for form in forms if len(form) >= MIN_LENGTH}
