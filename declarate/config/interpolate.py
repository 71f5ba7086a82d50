"""Environment interpolation in config string values: `${VAR}`, `${VAR:-default}`, `$${` for a literal `${`.

Pure string work over an env mapping the caller passes in: this module never reads `os.environ`, never
touches mapping keys (the loader only calls it for values) and never puts a variable's value into a
diagnostic, because values may be secrets.

`${VAR:-default}` follows the shell: the default is used when VAR is unset *or* empty. `$VAR` without
braces and a lone `$` are left as written.

Credential variables (`PINECONE_*`, `DECLARATE_*`, and names containing SECRET, TOKEN, PASSWORD,
API_KEY or CREDENTIAL) are refused, defaults or not, unless the environment is an `InterpolationEnv`
whose `allow` lists them (`interpolation: {allow: [...]}` in declarate.yaml): a pull request must not
be able to copy the deploy credentials into a tag that the plan then prints.

`${values.NAME}` reads the selected environment's value (an `InterpolationEnv` carries them): inside a
longer string as text; a plain scalar that is only the reference takes the value itself, with its YAML
type (`whole_value`). A value that is not defined, or no environment selected, is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from declarate.diagnostics import Diagnostic
from declarate.model.resource import Origin

# `$${` escapes; otherwise `${` up to the next `}` (or to the end, which is then an unclosed reference).
_REFERENCE = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)(?P<close>\})?")
_BODY = re.compile(r"(?P<name>(?:values\.)?[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?", re.DOTALL)
_WHOLE_VALUE = re.compile(r"\$\{values\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
VALUES_PREFIX = "values."
_CREDENTIAL_PREFIXES = ("PINECONE_", "DECLARATE_")
_CREDENTIAL_WORDS = ("SECRET", "TOKEN", "PASSWORD", "API_KEY", "CREDENTIAL")


def is_credential_variable(name: str) -> bool:
    """True for a variable config may read only when declarate.yaml allows it (DESIGN §9.2)."""
    upper = name.upper()
    return upper.startswith(_CREDENTIAL_PREFIXES) or any(word in upper for word in _CREDENTIAL_WORDS)


@dataclass(frozen=True)
class Values:
    """The values `${values.NAME}` reads: the selected environment's, or why there are none."""

    environment: str | None = None  # the selected environment; None when none is
    values: Mapping[str, Any] = field(default_factory=dict)
    declared: tuple[str, ...] = ()  # every environment declarate.yaml declares
    where: str | None = None  # where the selected environment is declared, for messages


class InterpolationEnv(Mapping[str, str]):
    """The variables `${VAR}` may read, with the credential variables declarate.yaml allows, and the
    environment values `${values.NAME}` reads."""

    def __init__(
        self, environ: Mapping[str, str], allow: Iterable[str] = (), *, values: Values | None = None
    ) -> None:
        self._environ = environ
        self.allow = frozenset(allow)
        self.config_values = values or Values()  # not `values`: Mapping.values() is taken

    def __getitem__(self, name: str) -> str:
        return self._environ[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


def refuses(env: Mapping[str, str], name: str) -> bool:
    """True when `name` is a credential variable that `env` does not allow."""
    allow = env.allow if isinstance(env, InterpolationEnv) else frozenset()
    return is_credential_variable(name) and name not in allow


def values_of(env: Mapping[str, str]) -> Values:
    """The values `env` carries for `${values.NAME}` (none for a plain mapping)."""
    return env.config_values if isinstance(env, InterpolationEnv) else Values()


def whole_value(text: str, env: Mapping[str, str]) -> tuple[bool, Any]:
    """(True, value) when `text` is exactly one defined `${values.NAME}`: the value keeps its type."""
    match = _WHOLE_VALUE.fullmatch(text)
    values = values_of(env)
    if match is None or values.environment is None or match.group("name") not in values.values:
        return False, None
    return True, values.values[match.group("name")]


def value_text(value: Any) -> str:
    """A value as YAML would write it inside a string (true, 3, 0.5; null as the empty string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Expansion:
    """The result of expanding one string."""

    text: str
    unset: tuple[str, ...] = ()  # variables referenced without a default that the env lacks
    malformed: tuple[str, ...] = ()  # references that are neither ${NAME} nor ${NAME:-default}
    undefined: tuple[str, ...] = ()  # ${values.NAME} references without a value in the environment
    refused: tuple[str, ...] = ()  # credential variables the workspace does not allow


def expand(text: str, env: Mapping[str, str]) -> Expansion:
    """`text` with every `${...}` reference replaced from `env`, and the references that failed.

    A failed reference is left in the text as written, so later errors still show what the user wrote.
    """
    if "${" not in text:  # the common case costs one substring search
        return Expansion(text)
    unset: list[str] = []
    malformed: list[str] = []
    undefined: list[str] = []
    refused: list[str] = []
    values = values_of(env)

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        body = match.group("body")
        parsed = _BODY.fullmatch(body) if match.group("close") else None
        if parsed is None:
            malformed.append(whole)
            return whole
        name, default = parsed.group("name"), parsed.group("default")
        if name.startswith(VALUES_PREFIX):
            key = name.removeprefix(VALUES_PREFIX)
            if values.environment is not None and key in values.values:
                return value_text(values.values[key])
            if default is not None:
                return default
            undefined.append(key)
            return whole
        if refuses(env, name):
            refused.append(name)
            return whole
        value = env.get(name)
        if default is not None:
            return value if value else default
        if value is None:
            unset.append(name)
            return whole
        return value

    result = _REFERENCE.sub(replace, text)
    return Expansion(
        result,
        tuple(dict.fromkeys(unset)),
        tuple(dict.fromkeys(malformed)),
        tuple(dict.fromkeys(undefined)),
        tuple(dict.fromkeys(refused)),
    )


def interpolate(
    text: str, env: Mapping[str, str], origin: Origin | None, path: str
) -> tuple[str, list[Diagnostic]]:
    """`text` expanded from `env`, plus one diagnostic per unset variable or malformed reference."""
    expansion = expand(text, env)
    diagnostics = [
        Diagnostic(
            origin,
            path,
            f"environment variable '{name}' is not set",
            "interpolate.unset",
            hint=f"set {name}, or give a default with ${{{name}:-value}}",
        )
        for name in expansion.unset
    ]
    diagnostics.extend(
        Diagnostic(
            origin,
            path,
            f"'${{{name}}}' reads a credential variable, which config may not read",
            "interpolate.credential",
            hint=f"if {name} is meant to be in the config, list it under interpolation: {{allow: [{name}]}} "
            "in declarate.yaml",
        )
        for name in expansion.refused
    )
    diagnostics.extend(_undefined(name, values_of(env), origin, path) for name in expansion.undefined)
    diagnostics.extend(
        Diagnostic(
            origin,
            path,
            f"'{reference}' is not a valid reference: expected ${{NAME}}, ${{NAME:-default}} or ${{values.NAME}}",
            "interpolate.syntax",
            hint="write $${ for a literal '${'",
        )
        for reference in expansion.malformed
    )
    return expansion.text, diagnostics


def _undefined(name: str, values: Values, origin: Origin | None, path: str) -> Diagnostic:
    """Why `${values.NAME}` has no value: not defined in the environment, or no environment selected."""
    if values.environment is not None:
        where = f" (declared at {values.where})" if values.where else ""
        return Diagnostic(
            origin,
            path,
            f"value '{name}' is not defined in environment '{values.environment}'{where}",
            "interpolate.undefined_value",
            hint=f"add {name} under environments.{values.environment}.values in declarate.yaml",
        )
    if values.declared:
        return Diagnostic(
            origin,
            path,
            f"'${{values.{name}}}' needs an environment, and none is selected",
            "interpolate.no_environment",
            hint=f"select one with --env NAME or DECLARATE_ENV: {', '.join(values.declared)}",
        )
    return Diagnostic(
        origin,
        path,
        f"'${{values.{name}}}' reads an environment value, but declarate.yaml declares no environments",
        "interpolate.no_environment",
        hint="declare environments: {NAME: {values: {...}}} in declarate.yaml",
    )
