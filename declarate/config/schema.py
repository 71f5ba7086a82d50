"""JSON Schema validation of config documents, with messages a person can act on.

`config_schema()` is the draft 2020-12 schema shipped in the package (`declarate schema` prints it for
editors). `check_schema` dispatches each document on its `kind` first, so errors speak about the right
document type, then validates it against that kind's definition: a compiled yes/no check (fast) and,
for documents it rejects, jsonschema (the reference) for the errors. Every error becomes a Diagnostic
at the offending node's file:line:column (unknown keys at the key), with the document path, what was
expected and what was found, and a "did you mean" hint where one helps. All errors of all documents
are reported. This module judges shape only; cross-document meaning is the rules' job.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

# jsonschema ships no type stubs and types-jsonschema is not a dependency.
import yaml

from declarate.config.compiled_schema import Check, compile_schema
from declarate.config.document import Path, SourceDocument, format_path
from declarate.diagnostics import Diagnostic
from declarate.model import kinds

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

KINDS = ("Project", "Organization", "Workspace")
# Keys that give away which kind a document without `kind` was meant to be.
_KIND_CLUES = {
    "Project": {"indexes", "api_keys", "max_pods", "force_encryption_with_cmek", "api_key_env", "ensure"},
    "Organization": {"service_accounts"},
    "Workspace": {"ownership_tag", "safety", "policies", "secrets_dir", "target", "interpolation"},
}
_TYPE_PHRASES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}
_ROLE_SCOPES = {
    **{role: "a project role" for role in kinds.PROJECT_ROLES},
    **{role: "an organization role" for role in kinds.ORGANIZATION_ROLES},
}
_YAML_BOOLEANS = "YAML reads yes/no/on/off/true/false as booleans: quote the value to make it text"


@cache
def config_schema() -> dict[str, Any]:
    """The config JSON Schema (draft 2020-12), as shipped in the package."""
    text = resources.files("declarate").joinpath("schemas/config.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _kind_schema(kind: str) -> dict[str, Any]:
    schema = config_schema()
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"}


@cache
def _kind_checks() -> dict[str, Check]:
    """Per kind: the compiled yes/no check, built once."""
    return {kind: compile_schema(_kind_schema(kind)) for kind in KINDS}


@cache
def _kind_validator(kind: str) -> Draft202012Validator:
    """The jsonschema validator of a kind, built (and jsonschema imported) only when a document of
    that kind fails the compiled check: a valid config never pays for jsonschema's import."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_kind_schema(kind))


def check_schema(docs: Sequence[SourceDocument]) -> list[Diagnostic]:
    """Every schema error of every document, in file and position order."""
    diagnostics: list[Diagnostic] = []
    for doc in docs:
        diagnostics.extend(check_document(doc))
    return diagnostics


def check_document(doc: SourceDocument) -> list[Diagnostic]:
    """The schema errors of one document (none when it is valid)."""
    data = doc.data
    if not isinstance(data, dict):
        message = f"a config document must be a mapping with a 'kind', found {describe(data)}"
        return [Diagnostic(doc.origin(), "", message, "schema.document")]
    kind = data.get("kind")
    if kind not in KINDS:
        return [_kind_problem(doc, data)]
    if _kind_checks()[kind](data):
        return []
    found = (d for error in _kind_validator(kind).iter_errors(data) for d in _explain(error, doc))
    return sorted(dict.fromkeys(found))


def _kind_problem(doc: SourceDocument, data: Mapping[str, Any]) -> Diagnostic:
    expected = "one of " + ", ".join(KINDS)
    if "kind" not in data:
        guesses = [k for k, clues in _KIND_CLUES.items() if clues & set(data)]
        guess = f"add 'kind: {guesses[0]}'" if len(guesses) == 1 else f"add 'kind: ...' ({expected})"
        message = f"the document has no 'kind': expected {expected}"
        return Diagnostic(doc.origin(), "", message, "schema.missing_kind", hint=guess)
    kind = data["kind"]
    hint = _did_you_mean(kind, KINDS) if isinstance(kind, str) else None
    if isinstance(kind, bool):
        hint = _YAML_BOOLEANS
    message = f"unknown kind {describe(kind)}: expected {expected}"
    return Diagnostic(doc.origin(("kind",)), "kind", message, "schema.unknown_kind", hint=hint)


_CODES = {
    "additionalProperties": "schema.unknown_key",
    "required": "schema.missing_key",
    "enum": "schema.enum",
    "const": "schema.enum",
    "type": "schema.type",
    "minimum": "schema.range",
    "maximum": "schema.range",
    "exclusiveMinimum": "schema.range",
    "exclusiveMaximum": "schema.range",
    "minLength": "schema.length",
    "maxLength": "schema.length",
    "pattern": "schema.pattern",
    "minProperties": "schema.size",
    "maxProperties": "schema.size",
    "minItems": "schema.size",
    "maxItems": "schema.size",
    "uniqueItems": "schema.duplicate_item",
    "oneOf": "schema.one_of",
    "anyOf": "schema.one_of",
}


def _at(
    doc: SourceDocument, where: Path, message: str, code: str, *, hint: str | None = None, key: bool = False
) -> list[Diagnostic]:
    """One diagnostic at the value of `where` (or at its key, for keys that should not be there)."""
    origin = doc.key_origin(where) if key else doc.origin(where)
    return [Diagnostic(origin, format_path(where), message, code, hint=hint)]


def _explain(error: ValidationError, doc: SourceDocument) -> list[Diagnostic]:
    """Diagnostics for one jsonschema error (several for several unknown keys or missing keys)."""
    path: Path = tuple(error.absolute_path)
    schema: Any = error.schema
    instance = error.instance
    keyword = str(error.validator)
    code = _CODES.get(keyword, f"schema.{keyword}")
    if isinstance(schema, Mapping) and "errorMessage" in schema:
        return _at(doc, path, str(schema["errorMessage"]), code)
    if "propertyNames" in error.relative_schema_path:  # the instance is a key of the mapping at `path`
        expected = schema.get("patternErrorMessage") or _length_phrase(schema) or "a valid key"
        message = f"the key '{instance}' is not valid here: expected {expected}"
        return _at(doc, (*path, instance), message, "schema.key_name", key=True)
    title = _title(schema)
    inside = f" in {_article(title)}" if title else ""
    if keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        found: list[Diagnostic] = []
        for extra in (k for k in instance if k not in allowed):
            suggestion = _did_you_mean(extra, allowed) or f"allowed here: {', '.join(allowed)}"
            message = f"unknown key '{extra}'{inside}"
            found += _at(doc, (*path, extra), message, code, hint=suggestion, key=True)
        return found
    if keyword == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return [d for k in missing for d in _at(doc, path, f"missing required key '{k}'{inside}", code)]
    if keyword in ("oneOf", "anyOf"):
        return _explain_alternatives(error, doc)
    if keyword in ("enum", "const"):
        allowed = list(error.validator_value) if keyword == "enum" else [error.validator_value]
        expected = "one of " + ", ".join(str(v) for v in allowed)
        if len(allowed) == 1:
            expected = f"'{allowed[0]}'"
        elif title:
            expected = f"{_article(title)}: {expected}"
        hint = _enum_hint(instance, allowed)
        return _at(doc, path, f"expected {expected}, found {describe(instance)}", code, hint=hint)
    if keyword == "type" or code == "schema.range":
        hint = _type_hint(schema, instance) if keyword == "type" else None
        return _at(
            doc, path, f"expected {_expected_value(schema)}, found {describe(instance)}", code, hint=hint
        )
    if keyword in ("minLength", "maxLength"):
        found_length = "an empty string" if instance == "" else f"{len(instance)} characters"
        return _at(doc, path, f"expected {_length_phrase(schema)}, found {found_length}", code)
    if keyword == "pattern":
        expected = schema.get("patternErrorMessage") or f"text matching {schema['pattern']}"
        return _at(doc, path, f"expected {expected}, found {describe(instance)}", code)
    if keyword in ("maxProperties", "maxItems"):
        noun = title or "entries"
        return _at(doc, path, f"expected at most {error.validator_value} {noun}, found {len(instance)}", code)
    if keyword in ("minProperties", "minItems"):
        found_size = "none" if not instance else str(len(instance))
        return _at(doc, path, f"expected at least {error.validator_value} entries, found {found_size}", code)
    if keyword == "uniqueItems":
        seen: list[Any] = []
        repeated: list[Any] = []
        for item in instance:
            (repeated if item in seen and item not in repeated else seen).append(item)
        shown = ", ".join(describe(v) for v in repeated) or "an item"
        return _at(doc, path, f"the list repeats {shown}", code, hint="list each item once")
    return _at(doc, path, error.message, code)


def _explain_alternatives(error: ValidationError, doc: SourceDocument) -> list[Diagnostic]:
    """oneOf/anyOf: speak about the alternative the user meant instead of dumping every branch."""
    path: Path = tuple(error.absolute_path)
    instance = error.instance
    if not isinstance(instance, Mapping):
        return []  # every alternative here is a mapping; the type error says what is wrong
    branches = [_resolve(b) for b in error.validator_value]
    if all(set(b) == {"required"} and len(b["required"]) == 1 for b in branches):
        names = [b["required"][0] for b in branches]  # exactly one of these keys
        present = [n for n in names if n in instance]
        listed = ", ".join(names)
        if len(present) > 1:  # about the mapping, shown at the key that makes one too many
            both = " and ".join(f"'{n}'" for n in present)
            message = f"expected exactly one of {listed}, found {both}"
            origin = doc.key_origin((*path, present[1]))
            return [
                Diagnostic(origin, format_path(path), message, "schema.one_of", hint=f"keep one of {both}")
            ]
        return _at(doc, path, f"expected exactly one of {listed}, found none of them", "schema.one_of")
    discriminator = _discriminator(branches)
    if discriminator is not None:
        options = {
            b["properties"][discriminator]["const"]: i
            for i, b in enumerate(branches)
            if discriminator in b.get("properties", {})
        }
        value = instance.get(discriminator)
        chosen = options.get(value) if isinstance(value, str) else None
        if chosen is None and discriminator not in instance:  # e.g. a legacy untyped schema field
            untyped = [i for i, b in enumerate(branches) if discriminator not in b.get("properties", {})]
            chosen = next(
                (i for i in untyped if set(instance) <= set(branches[i].get("properties", {}))), None
            )
        if chosen is None:
            listed = ", ".join(options)
            if discriminator not in instance:
                message = f"missing required key '{discriminator}': expected one of {listed}"
                return _at(doc, path, message, "schema.missing_key")
            message = f"unknown {discriminator} {describe(value)}: expected one of {listed}"
            hint = _enum_hint(value, list(options))
            return _at(doc, (*path, discriminator), message, "schema.enum", hint=hint)
        context = [sub for sub in error.context or () if sub.relative_schema_path[0] == chosen]
        return [d for sub in context for d in _explain(sub, doc)]
    if not error.context:
        return _at(doc, path, "the value matches more than one of the allowed forms", "schema.one_of")
    # No discriminator: report the alternative that got furthest (its errors are the deepest).
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    best = max(by_branch.values(), key=lambda errs: (max(len(e.absolute_path) for e in errs), -len(errs)))
    return [d for sub in best for d in _explain(sub, doc)]


def _resolve(schema: Any) -> Any:
    if isinstance(schema, Mapping) and "$ref" in schema:
        return config_schema()["$defs"][schema["$ref"].removeprefix("#/$defs/")]
    return schema


def _discriminator(branches: Iterable[Any]) -> str | None:
    """The property whose `const` tells the branches apart (e.g. a schema field's `type`)."""
    for branch in branches:
        for name, prop in branch.get("properties", {}).items():
            if isinstance(prop, Mapping) and "const" in prop:
                return str(name)
    return None


def _title(schema: Any) -> str | None:
    if not isinstance(schema, Mapping):
        return None
    title = schema.get("title") or _resolve(schema).get("title")
    return str(title) if title else None


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"


def _expected_value(schema: Mapping[str, Any]) -> str:
    """What a scalar schema expects, e.g. 'an integer from 1 to 20000'."""
    types = schema.get("type", [])
    names = [types] if isinstance(types, str) else list(types)
    phrase = " or ".join(_TYPE_PHRASES.get(t, t) for t in names) or "a value"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"{phrase} from {low} to {high}"
    if low is not None:
        return f"{phrase} of at least {low}"
    if high is not None:
        return f"{phrase} of at most {high}"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    return phrase


def _length_phrase(schema: Mapping[str, Any]) -> str | None:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low and high:
        return f"{low} to {high} characters"
    if high:
        return f"at most {high} characters"
    if low:
        return f"at least {low} characters"
    return None


def _type_hint(schema: Mapping[str, Any], instance: Any) -> str | None:
    expected = schema.get("type")
    if isinstance(instance, bool) and expected == "string":
        return _YAML_BOOLEANS
    if isinstance(instance, str) and expected in ("integer", "number"):
        return _numeric_text_hint(instance)
    if isinstance(instance, int | float) and expected == "string":
        return "quote the value to make it text"
    if expected == "array" and not isinstance(instance, list | dict):
        return f"write a list, e.g. [{instance}]"
    if expected == "object" and isinstance(instance, list):
        return "remove the leading '- ': a mapping is 'key: value' lines without dashes"
    return None


def _numeric_text_hint(text: str) -> str | None:
    """Why text that looks like a number is text, and what to write instead.

    Only a scalar YAML itself would read as a number, had it no quotes, must have been quoted;
    `1e400` or `1e3` are text even unquoted (YAML 1.1 wants a dot in a float), so "remove the
    quotes" would send the user looking for quotes that are not there.
    """
    try:
        value = float(text)
    except ValueError:
        return None
    if _yaml_reads_as_number(text):
        return "remove the quotes: a quoted number is text"
    if not math.isfinite(value):
        return "YAML reads this as text, and it is out of range anyway: write the number in plain digits"
    return "YAML reads this as text, not a number: write the number in plain digits, e.g. 1536"


@cache
def _plain_resolver() -> Any:
    return yaml.resolver.Resolver()


def _yaml_reads_as_number(text: str) -> bool:
    tag = _plain_resolver().resolve(yaml.ScalarNode, text, (True, False))
    return tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _enum_hint(found: Any, allowed: Sequence[Any]) -> str | None:
    if isinstance(found, bool):
        return _YAML_BOOLEANS
    if not isinstance(found, str):
        return None
    if found in _ROLE_SCOPES and allowed and found not in allowed:
        return f"'{found}' is {_ROLE_SCOPES[found]}; it is not valid here"
    return _did_you_mean(found, [str(v) for v in allowed])


def _did_you_mean(found: str, allowed: Sequence[str]) -> str | None:
    by_case = [a for a in allowed if a.lower() == found.lower()]
    close = by_case or difflib.get_close_matches(found, allowed, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def describe(value: Any) -> str:
    """A short, quoted rendering of a found value for messages (long text is cut)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        if not value:
            return "an empty string"
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    return str(value)
