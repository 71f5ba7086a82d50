"""Environment interpolation in config string values: `${VAR}`, `${VAR:-default}`, `$${` for a literal `${`.

Pure string work over an env mapping the caller passes in: this module never reads `os.environ`, never
touches mapping keys (the loader only calls it for values) and never puts a variable's value into a
diagnostic, because values may be secrets.

`${VAR:-default}` follows the shell: the default is used when VAR is unset *or* empty. `$VAR` without
braces and a lone `$` are left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from declarate.diagnostics import Diagnostic
from declarate.model.resource import Origin

# `$${` escapes; otherwise `${` up to the next `}` (or to the end, which is then an unclosed reference).
_REFERENCE = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)(?P<close>\})?")
_BODY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?", re.DOTALL)


@dataclass(frozen=True)
class Expansion:
    """The result of expanding one string."""

    text: str
    unset: tuple[str, ...] = ()  # variables referenced without a default that the env lacks
    malformed: tuple[str, ...] = ()  # references that are neither ${NAME} nor ${NAME:-default}


def expand(text: str, env: Mapping[str, str]) -> Expansion:
    """`text` with every `${...}` reference replaced from `env`, and the references that failed.

    A failed reference is left in the text as written, so later errors still show what the user wrote.
    """
    if "${" not in text:  # the common case costs one substring search
        return Expansion(text)
    unset: list[str] = []
    malformed: list[str] = []

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
        value = env.get(name)
        if default is not None:
            return value if value else default
        if value is None:
            unset.append(name)
            return whole
        return value

    result = _REFERENCE.sub(replace, text)
    return Expansion(result, tuple(dict.fromkeys(unset)), tuple(dict.fromkeys(malformed)))


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
            f"'{reference}' is not a valid reference: expected ${{NAME}} or ${{NAME:-default}}",
            "interpolate.syntax",
            hint="write $${ for a literal '${'",
        )
        for reference in expansion.malformed
    )
    return expansion.text, diagnostics
