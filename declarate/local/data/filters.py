"""Metadata filters: validation and evaluation of the documented filter language.

Operators: ``$eq $ne $gt $gte $lt $lte $in $nin $exists`` on a field, ``$and``/``$or`` over
filters; ``{"field": value}`` is ``$eq`` and several keys in one object are all required. A
list-of-strings value matches ``$eq``/``$in`` when any element does, and ``$ne``/``$nin`` when none
does; a record without the field matches ``$ne``/``$nin`` and ``$exists: false`` only.
``compile_filter`` checks a filter once (400 on anything else) and returns a predicate over a
record's metadata. No storage, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import bad_request

Metadata = Mapping[str, Any] | None
Predicate = Callable[[Metadata], bool]

_COMPARISONS = {"$gt", "$gte", "$lt", "$lte"}
_FIELD_OPERATORS = {"$eq", "$ne", "$in", "$nin", "$exists", *_COMPARISONS}
MAX_IN_VALUES = 10_000


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, str | bool) or _is_number(value):
        return value
    raise bad_request(f"Invalid filter: {where} must be a string, number or boolean, got {value!r:.80}.")


def _equal(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, list):
        return any(_equal(item, wanted) for item in stored)
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return isinstance(stored, bool) and isinstance(wanted, bool) and stored == wanted
    return bool(stored == wanted)


def _field_test(field: str, operator: str, operand: Any) -> Predicate:
    where = f"{field}.{operator}"
    if operator == "$exists":
        if not isinstance(operand, bool):
            raise bad_request(f"Invalid filter: {where} must be a boolean.")
        return lambda metadata: (field in (metadata or {})) == operand
    if operator in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise bad_request(f"Invalid filter: {where} must be an array.")
        if len(operand) > MAX_IN_VALUES:
            raise bad_request(f"Invalid filter: {where} holds more than {MAX_IN_VALUES} values.")
        values = [_scalar(item, where) for item in operand]
        wanted = operator == "$in"

        def member(metadata: Metadata) -> bool:
            fields = metadata or {}
            found = field in fields and any(_equal(fields[field], value) for value in values)
            return found == wanted

        return member
    if operator in _COMPARISONS:
        if not _is_number(operand):
            raise bad_request(f"Invalid filter: {where} must be a number.")
        bound = float(operand)
        compare: Callable[[float, float], bool] = {
            "$gt": lambda a, b: a > b,
            "$gte": lambda a, b: a >= b,
            "$lt": lambda a, b: a < b,
            "$lte": lambda a, b: a <= b,
        }[operator]

        def ordered(metadata: Metadata) -> bool:
            stored = (metadata or {}).get(field)
            return isinstance(stored, int | float) and not isinstance(stored, bool) and compare(stored, bound)

        return ordered
    value = _scalar(operand, where)
    equal = operator == "$eq"

    def equality(metadata: Metadata) -> bool:
        fields = metadata or {}
        found = field in fields and _equal(fields[field], value)
        return found == equal

    return equality


def _field(field: str, condition: Any) -> Predicate:
    if field.startswith("$"):
        raise bad_request(f"Invalid filter: unsupported operator {field!r}.")
    if not isinstance(condition, dict):
        return _field_test(field, "$eq", condition)
    if not condition:
        raise bad_request(f"Invalid filter: the condition on {field!r} is empty.")
    tests = []
    for operator, operand in condition.items():
        if operator not in _FIELD_OPERATORS:
            raise bad_request(f"Invalid filter: unsupported operator {operator!r} on {field!r}.")
        tests.append(_field_test(field, operator, operand))
    return _all(tests)


def _all(tests: list[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    return lambda metadata: all(test(metadata) for test in tests)


def _any(tests: list[Predicate]) -> Predicate:
    return lambda metadata: any(test(metadata) for test in tests)


def compile_filter(expression: Any) -> Predicate:
    """A predicate over metadata for a filter expression (400 when it is not one)."""
    if not isinstance(expression, dict):
        raise bad_request("Invalid filter: a filter must be a JSON object.")
    tests: list[Predicate] = []
    for key, value in expression.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise bad_request(f"Invalid filter: {key} must be a non-empty array of filters.")
            parts = [compile_filter(part) for part in value]
            tests.append(_all(parts) if key == "$and" else _any(parts))
        else:
            tests.append(_field(key, value))
    if not tests:
        return lambda metadata: True
    return _all(tests)
