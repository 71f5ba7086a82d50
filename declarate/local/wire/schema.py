"""A tiny deserializer: does a JSON value have the shape a request schema of the specs asks for?

It answers the question the real service's JSON deserializer answers (types, required fields,
unknown fields where the schema says ``additionalProperties: false``, discriminator values) and
nothing more: ranges, names and cross-field rules are semantic and live in ``field_rules.py``. A
mismatch raises ``ShapeError`` with a serde-like message; callers decide the status (422 on the
control plane, 400 on the Admin API). It must not import handlers or storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ShapeError(Exception):
    """The body does not have the expected shape."""


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value[:40]}"'
    if isinstance(value, list):
        return "a sequence"
    return "a map"


def _at(path: str) -> str:
    return f" at `{path}`" if path else ""


class Shape:
    """The expected shape of one JSON value."""

    expected = "a value"

    def check(self, value: Any, path: str) -> None:
        """Raise ``ShapeError`` when ``value`` does not fit."""

    def fail(self, value: Any, path: str) -> ShapeError:
        return ShapeError(f"invalid type: {_json_type(value)}, expected {self.expected}{_at(path)}")


class Anything(Shape):
    """Any JSON value."""


class Str(Shape):
    """A JSON string."""

    expected = "a string"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise self.fail(value, path)


class Int(Shape):
    """A JSON integer that fits the spec's integer type (i32 unless ``bits=64``; no booleans).

    Out-of-range integers do not deserialize, as with the service's serde: they must never reach
    SQLite (whose INTEGER is 64-bit) or arithmetic as arbitrary-precision Python ints.
    """

    expected = "an integer"

    def __init__(self, bits: int = 32):
        self.bits = bits

    def check(self, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(value, path)
        bound = 1 << (self.bits - 1)
        if not -bound <= value < bound:
            shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "..."
            raise ShapeError(f"invalid value: integer `{shown}`, expected i{self.bits}{_at(path)}")


class Bool(Shape):
    """A JSON boolean."""

    expected = "a boolean"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise self.fail(value, path)


class AnyObject(Shape):
    """A JSON object with any content."""

    expected = "a map"

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(value, path)


class ArrayOf(Shape):
    """A JSON array whose items all have one shape."""

    expected = "a sequence"

    def __init__(self, item: Shape):
        self.item = item

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise self.fail(value, path)
        for position, item in enumerate(value):
            self.item.check(item, f"{path}[{position}]")


class MapOf(Shape):
    """A JSON object whose values all have one shape (``additionalProperties: <schema>``)."""

    expected = "a map"

    def __init__(self, value: Shape):
        self.value = value

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(value, path)
        for key, item in value.items():
            self.value.check(item, f"{path}.{key}" if path else key)


class Obj(Shape):
    """A JSON object with named fields; ``closed`` rejects unknown fields.

    A ``null`` for an optional field counts as absent, the way an ``Option`` deserializes.
    """

    expected = "a map"

    def __init__(self, fields: Mapping[str, Shape], required: tuple[str, ...] = (), closed: bool = False):
        self.fields = dict(fields)
        self.required = required
        self.closed = closed

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(value, path)
        for name in self.required:
            if value.get(name) is None:
                raise ShapeError(f"missing field `{name}`{_at(path)}")
        for name, item in value.items():
            shape = self.fields.get(name)
            child = f"{path}.{name}" if path else name
            if shape is None:
                if self.closed:
                    known = ", ".join(f"`{field}`" for field in self.fields)
                    raise ShapeError(f"unknown field `{name}`, expected one of {known}{_at(path)}")
                continue
            if item is None and name not in self.required:
                continue
            shape.check(item, child)


class Tagged(Shape):
    """A discriminated union: the ``tag`` field picks the variant's shape."""

    expected = "a map"

    def __init__(
        self, tag: str, variants: Mapping[str, Shape], hint: str = "", advertised: tuple[str, ...] = ()
    ):
        self.tag = tag
        self.variants = dict(variants)
        self.hint = hint
        self.advertised = advertised or tuple(self.variants)

    def check(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(value, path)
        tag = value.get(self.tag)
        if tag is None:
            raise ShapeError(f"missing field `{self.tag}`{_at(path)}")
        if not isinstance(tag, str):
            raise Str().fail(tag, f"{path}.{self.tag}" if path else self.tag)
        variant = self.variants.get(tag)
        if variant is None:
            known = " or ".join(f"`{name}`" for name in self.advertised)
            hint = f"; {self.hint}" if self.hint else ""
            raise ShapeError(f"unknown variant `{tag}`, expected {known}{_at(path)}{hint}")
        variant.check(value, path)


def check(shape: Shape, value: Any) -> None:
    """Raise ``ShapeError`` when a request body does not have ``shape``."""
    shape.check(value, "")
