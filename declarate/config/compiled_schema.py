"""A compiled yes/no check for the subset of JSON Schema (draft 2020-12) that the config schema uses.

jsonschema needs about two seconds to validate 10,000 indexes; this check needs a tenth of that. The
schema module runs it first and asks jsonschema, the reference, for detailed errors only about the
documents it rejects. So it must never accept what jsonschema rejects: it follows jsonschema's own
semantics (`isinstance` types, 1.0 is an integer, `re.search` patterns, NaN never fails a bound) and
a property test compares the two. It raises on a keyword it does not implement instead of ignoring
it, so a schema change cannot silently weaken validation. It produces no messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
    | {"patternErrorMessage", "errorMessage", "markdownDescription"}  # editor (vscode) annotations
)
_OBJECT_KEYWORDS = frozenset(
    {"properties", "additionalProperties", "required", "propertyNames", "minProperties", "maxProperties"}
)
_APPLICATORS = frozenset({"oneOf", "anyOf", "allOf", "not", "if", "then", "else", "$ref"})
_SCALAR_KEYWORDS = frozenset(
    {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
    | {"minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems"}
)
_KNOWN = _ANNOTATIONS | _OBJECT_KEYWORDS | _APPLICATORS | _SCALAR_KEYWORDS


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def compile_schema(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Check:
    """A function telling whether an instance is valid against `schema` (`$ref`s resolve in `root`)."""
    return _Compiler(root if root is not None else schema).compile(schema)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda x: True
        if schema is False:
            return lambda x: False
        unknown = set(schema) - _KNOWN
        if unknown:
            raise ValueError(f"compiled_schema does not implement {sorted(unknown)}")
        checks = [*self.scalar_checks(schema), *self.applicator_checks(schema)]
        if _OBJECT_KEYWORDS & set(schema):
            checks.append(self.object_check(schema))
        return _all(checks)

    def ref(self, target: str) -> Check:
        if target not in self.refs:
            if not target.startswith("#/$defs/"):
                raise ValueError(f"compiled_schema resolves only #/$defs/ references, not {target}")
            cell: list[Check] = []
            self.refs[target] = lambda x: cell[0](x)  # allows recursive definitions
            cell.append(self.compile(self.root["$defs"][target.removeprefix("#/$defs/")]))
        return self.refs[target]

    def applicator_checks(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "allOf" in schema:
            checks.append(_all([self.compile(s) for s in schema["allOf"]]))
        if "anyOf" in schema:
            branches = [self.compile(s) for s in schema["anyOf"]]
            checks.append(lambda x: any(b(x) for b in branches))
        if "oneOf" in schema:
            options = [self.compile(s) for s in schema["oneOf"]]
            checks.append(lambda x: sum(1 for b in options if b(x)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda x: not negated(x))
        if "if" in schema:
            condition = self.compile(schema["if"])
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            checks.append(lambda x: then(x) if condition(x) else otherwise(x))
        return checks

    def scalar_checks(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            type_checks = [_TYPES[name] for name in names]
            checks.append(
                type_checks[0] if len(type_checks) == 1 else lambda x: any(t(x) for t in type_checks)
            )
        for keyword in ("enum", "const"):
            if keyword in schema:
                values = schema[keyword] if keyword == "enum" else [schema[keyword]]
                if not all(isinstance(v, str) for v in values):
                    raise ValueError(f"compiled_schema supports {keyword} of strings only")
                checks.append(_one_of_strings(frozenset(values)))
        checks.extend(_number_checks(schema))
        checks.extend(_string_checks(schema))
        if {"items", "minItems", "maxItems", "uniqueItems"} & set(schema):
            checks.append(self.array_check(schema))
        return checks

    def array_check(self, schema: Mapping[str, Any]) -> Check:
        item = self.compile(schema["items"]) if "items" in schema else None
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        unique = schema.get("uniqueItems", False)

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            if len(x) < low or (high is not None and len(x) > high):
                return False
            if item is not None and not all(item(v) for v in x):
                return False
            return not unique or len({_frozen(v) for v in x}) == len(x)

        return check

    def object_check(self, schema: Mapping[str, Any]) -> Check:
        properties = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        additional = None if extra is True else self.compile(extra)
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        required = tuple(schema.get("required", ()))
        low, high = schema.get("minProperties", 0), schema.get("maxProperties")

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            if len(x) < low or (high is not None and len(x) > high):
                return False
            for key in required:
                if key not in x:
                    return False
            for key, value in x.items():
                known = properties.get(key)
                if known is not None:
                    if not known(value):
                        return False
                elif additional is not None and not additional(value):
                    return False
                if names is not None and not names(key):
                    return False
            return True

        return check


def _one_of_strings(allowed: frozenset[str]) -> Check:
    return lambda x: isinstance(x, str) and x in allowed


def _number_checks(schema: Mapping[str, Any]) -> list[Check]:
    # Written as "fails when beyond the bound", as jsonschema does, so NaN passes every bound.
    checks: list[Check] = []
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda x: not _is_number(x) or not x < low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda x: not _is_number(x) or not x > high)
    if "exclusiveMinimum" in schema:
        xlow = schema["exclusiveMinimum"]
        checks.append(lambda x: not _is_number(x) or not x <= xlow)
    if "exclusiveMaximum" in schema:
        xhigh = schema["exclusiveMaximum"]
        checks.append(lambda x: not _is_number(x) or not x >= xhigh)
    return checks


def _string_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if low or high is not None:
        checks.append(
            lambda x: not isinstance(x, str) or (len(x) >= low and (high is None or len(x) <= high))
        )
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda x: not isinstance(x, str) or search(x) is not None)
    return checks


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda x: True
    if len(checks) == 1:
        return checks[0]

    def check(x: Any) -> bool:
        for one in checks:  # noqa: SIM110  (a plain loop: all() over a generator is slower here)
            if not one(x):
                return False
        return True

    return check


def _frozen(value: Any) -> Any:
    """A hashable stand-in equal for JSON-equal values (1 == 1.0, but true is not 1), for uniqueItems."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return ("object", frozenset((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_frozen(v) for v in value))
    return ("value", value)
