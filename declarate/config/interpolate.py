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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from declarate.diagnostics import Diagnostic
from declarate.model.resource import Origin

# `$${` escapes; otherwise `${` up to the next `}` (or to the end, which is then an unclosed reference).
_REFERENCE = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)(?P<close>\})?")
_BODY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?", re.DOTALL)
_CREDENTIAL_PREFIXES = ("PINECONE_", "DECLARATE_")
_CREDENTIAL_WORDS = ("SECRET", "TOKEN", "PASSWORD", "API_KEY", "CREDENTIAL")


def is_credential_variable(name: str) -> bool:
    """True for a variable config may read only when declarate.yaml allows it (DESIGN §9.2)."""
    upper = name.upper()
    return upper.startswith(_CREDENTIAL_PREFIXES) or any(word in upper for word in _CREDENTIAL_WORDS)


class InterpolationEnv(Mapping[str, str]):
    """The variables `${VAR}` may read, with the credential variables declarate.yaml allows."""

    def __init__(self, environ: Mapping[str, str], allow: Iterable[str] = ()) -> None:
        self._environ = environ
        self.allow = frozenset(allow)

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


@dataclass(frozen=True)
class Expansion:
    """The result of expanding one string."""

    text: str
    unset: tuple[str, ...] = ()  # variables referenced without a default that the env lacks
    malformed: tuple[str, ...] = ()  # references that are neither ${NAME} nor ${NAME:-default}
    refused: tuple[str, ...] = ()  # credential variables the workspace does not allow


def expand(text: str, env: Mapping[str, str]) -> Expansion:
    """`text` with every `${...}` reference replaced from `env`, and the references that failed.

    A failed reference is left in the text as written, so later errors still show what the user wrote.
    """
    if "${" not in text:  # the common case costs one substring search
        return Expansion(text)
    unset: list[str] = []
    malformed: list[str] = []
    refused: list[str] = []

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
        result, tuple(dict.fromkeys(unset)), tuple(dict.fromkeys(malformed)), tuple(dict.fromkeys(refused))
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
    diagnostics.extend(
        Diagnostic(
            origin,
            path,
            f"'{reference}' is not a valid reference: expected ${{NAME}} or ${{NAME:-default}}",
            "interpolate.syntax",
            hint="write $${ for a literal '${'",
        )
        for reference in expansion.malformed
    )
    return expansion.text, diagnostics
