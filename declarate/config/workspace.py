"""Workspace settings: the `kind: Workspace` document of `declarate.yaml` -> `model.settings.Settings`.

Reads the ownership tag, the safety thresholds, the built-in policies, the pinned target and the environments, completing what is omitted
with the defaults of `model/defaults.py`. Where a value is unusable it reports a Diagnostic and keeps
the default, so a broken setting can never loosen safety. It must not decide where a Workspace may
live or how many there may be (`rules.py` does) and never reads files.
"""

from __future__ import annotations

from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.environments import environments_of
from declarate.config.index_rules import is_int
from declarate.config.normalize import mapping
from declarate.config.problems import diagnostic, did_you_mean
from declarate.config.tag_rules import TAG_KEY, check_tags
from declarate.diagnostics import Diagnostic, Severity
from declarate.model import defaults as d
from declarate.model.kinds import API_KEY_ROLES
from declarate.model.settings import PinnedTarget, Policies, Safety, Settings


def settings_from(docs: list[SourceDocument]) -> tuple[Settings, list[Diagnostic]]:
    """Settings from the first Workspace document (defaults when there is none), and its problems."""
    workspace = next((doc for doc in docs if doc.kind == "Workspace"), None)
    if workspace is None:
        return Settings(), []
    found: list[Diagnostic] = []
    key, value = _ownership_tag(workspace, found)
    secrets_dir = workspace.data.get("secrets_dir")
    settings = Settings(
        ownership_tag_key=key,
        ownership_tag_value=value,
        safety=Safety(
            max_delete_fraction=_max_delete_fraction(workspace, found),
            min_existing=_count(workspace, "min_existing", d.DEFAULT_MIN_EXISTING, found),
            delete_all_min_existing=_count(
                workspace, "delete_all_min_existing", d.DEFAULT_DELETE_ALL_MIN_EXISTING, found
            ),
        ),
        policies=_policies(workspace, found),
        secrets_dir=secrets_dir if isinstance(secrets_dir, str) and secrets_dir else None,
        target=_target(workspace),
        environments=environments_of(workspace),
    )
    return settings, found


def _target(doc: SourceDocument) -> PinnedTarget | None:
    """The pinned API (`target: {api_url}`); the schema checked its shape."""
    url = mapping(doc.data.get("target")).get("api_url")
    if not isinstance(url, str) or not url:
        return None
    return PinnedTarget(url, doc.origin(("target", "api_url")))


def _ownership_tag(doc: SourceDocument, found: list[Diagnostic]) -> tuple[str, str]:
    default_key, default_value = d.DEFAULT_OWNERSHIP_TAG
    tag = doc.data.get("ownership_tag")
    if not isinstance(tag, dict):
        return default_key, default_value
    key = tag.get("key", default_key)
    value = tag.get("value", default_value)
    if not isinstance(key, str) or not TAG_KEY.match(key):
        found.append(
            diagnostic(
                doc,
                ("ownership_tag", "key"),
                f"the ownership tag key must be a tag key (1-{d.TAG_KEY_MAX} characters of A-Z, a-z, 0-9, "
                f"'_' and '-'); found {key!r}",
                "workspace.ownership_tag",
                hint=f"e.g. key: {default_key}",
            )
        )
        return default_key, default_value
    problems = check_tags(doc, ("ownership_tag",), {key: value})
    if problems:
        found.extend(
            diagnostic(
                doc,
                ("ownership_tag", "value"),
                f"the ownership tag value is not a valid tag value: {p.message}",
                "workspace.ownership_tag",
                hint=f"e.g. value: {default_value}",
            )
            for p in problems
        )
        return default_key, default_value
    return key, value


def _max_delete_fraction(doc: SourceDocument, found: list[Diagnostic]) -> float:
    path: Path = ("safety", "max_delete_fraction")
    value = mapping(doc.data.get("safety")).get("max_delete_fraction")
    if value is None:
        return d.DEFAULT_MAX_DELETE_FRACTION
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        found.append(
            diagnostic(
                doc,
                path,
                f"max_delete_fraction must be a number from 0 to 1; found {value!r}",
                "workspace.safety",
                hint=f"e.g. {d.DEFAULT_MAX_DELETE_FRACTION} blocks deleting more than 30% of a kind at once",
            )
        )
        return d.DEFAULT_MAX_DELETE_FRACTION
    return float(value)


# How each count of `safety:` reads in a hint.
_COUNT_HINTS = {
    "min_existing": "the fraction applies only to kinds with at least this many owned objects",
    "delete_all_min_existing": "deleting every owned object of a kind is blocked from this many (0: never)",
}


def _count(doc: SourceDocument, key: str, default: int, found: list[Diagnostic]) -> int:
    """A non-negative whole number of `safety:`; the default when it is missing or unusable."""
    value = mapping(doc.data.get("safety")).get(key)
    if value is None:
        return default
    if not is_int(value) or not 0 <= value <= MAX_SAFETY_COUNT:
        found.append(
            diagnostic(
                doc,
                ("safety", key),
                f"{key} must be a whole number from 0 to {MAX_SAFETY_COUNT}; found {value!r}",
                "workspace.safety",
                hint=f"e.g. {default}: {_COUNT_HINTS[key]}",
            )
        )
        return default
    return int(value)


MAX_SAFETY_COUNT = 1_000_000


def _policies(doc: SourceDocument, found: list[Diagnostic]) -> Policies:
    policies = mapping(doc.data.get("policies"))
    return Policies(
        require_deletion_protection=_require_deletion_protection(doc, policies, found),
        forbid_roles=_forbid_roles(doc, policies, found),
        max_indexes_per_project=_max_indexes(doc, policies, found),
    )


def _require_deletion_protection(
    doc: SourceDocument, policies: dict[str, Any], found: list[Diagnostic]
) -> dict[str, str] | None:
    """{tag: value} an index must carry for the policy to apply; {} applies it to every index."""
    rule = policies.get("require_deletion_protection")
    if rule is None or rule is False:
        return None
    if rule is True:
        return {}
    tags = mapping(rule).get("tags", {})
    if not isinstance(rule, dict) or not isinstance(tags, dict):
        found.append(
            diagnostic(
                doc,
                ("policies", "require_deletion_protection"),
                f"require_deletion_protection takes {{tags: {{KEY: VALUE}}}} (or true for every index); "
                f"found {rule!r}",
                "workspace.policies",
                hint="e.g. require_deletion_protection: {tags: {env: prod}}",
            )
        )
        return {}  # the policy was asked for: apply it to every index rather than to none
    return {str(k): str(v) for k, v in tags.items()}


def _forbid_roles(doc: SourceDocument, policies: dict[str, Any], found: list[Diagnostic]) -> tuple[str, ...]:
    roles = policies.get("forbid_roles")
    if not isinstance(roles, list):
        return ()
    for i, role in enumerate(roles):
        if isinstance(role, str) and role not in API_KEY_ROLES:
            found.append(
                diagnostic(
                    doc,
                    ("policies", "forbid_roles", i),
                    f"forbid_roles names roles of API keys ({', '.join(API_KEY_ROLES)}); found {role!r}, "
                    "which no API key can hold, so this entry forbids nothing",
                    "workspace.policies",
                    severity=Severity.WARNING,
                    hint=did_you_mean(role, API_KEY_ROLES),
                )
            )
    return tuple(r for r in roles if isinstance(r, str))


def _max_indexes(doc: SourceDocument, policies: dict[str, Any], found: list[Diagnostic]) -> int | None:
    value = policies.get("max_indexes_per_project")
    if value is None:
        return None
    if not is_int(value) or value < 0:
        found.append(
            diagnostic(
                doc,
                ("policies", "max_indexes_per_project"),
                f"max_indexes_per_project must be a whole number >= 0; found {value!r}",
                "workspace.policies",
            )
        )
        return None
    return int(value)
