"""Workspace rules the config alone can decide: policies and the ownership tag, checked offline.

A policy that needs no live state (`require_deletion_protection` on a declared index,
`forbid_roles` on a declared API key, `max_indexes_per_project` counted from the config) and a
declared tag that contradicts the ownership tag are errors at the node that breaks them, reported by
`validate` as by `plan`. The planner's safety rules still block the same violations in a plan (they
also see live state); both read the policy's meaning from `model.settings.Policies`. Never reads files.
"""

from __future__ import annotations

from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import items, mapping
from declarate.config.problems import diagnostic
from declarate.diagnostics import Diagnostic
from declarate.model import defaults as d
from declarate.model.settings import Settings


def check_policies(docs: list[SourceDocument], settings: Settings) -> list[Diagnostic]:
    """Every policy violation and ownership-tag conflict of the declared Project documents."""
    found: list[Diagnostic] = []
    for doc in docs:
        if doc.kind != "Project" or not isinstance(doc.data, dict) or doc.data.get("ensure") == "absent":
            continue
        indexes = list(items(doc.data.get("indexes")))
        for i, index in indexes:
            found += _ownership_tag(doc, ("indexes", i), index, settings)
            found += _deletion_protection(doc, ("indexes", i), index, settings)
        for i, api_key in items(doc.data.get("api_keys")):
            found += _forbidden_roles(doc, ("api_keys", i), api_key, settings)
        found += _index_count(doc, [i for i, _ in indexes], settings)
    return found


def _ownership_tag(
    doc: SourceDocument, path: Path, index: dict[str, Any], settings: Settings
) -> list[Diagnostic]:
    """A declared ownership tag with another value would be overwritten silently: say so instead."""
    key, value = settings.ownership_tag_key, settings.ownership_tag_value
    declared = mapping(index.get("tags")).get(key)
    if declared is None or declared == value:
        return []
    return [
        diagnostic(
            doc,
            (*path, "tags", key),
            f"tag {key!r} is declarate's ownership tag and is always {value!r} on the indexes it manages; "
            f"found {declared!r}",
            "rules.ownership_tag",
            hint=f"remove the tag {key!r}, which declarate sets itself, or choose another ownership_tag in declarate.yaml",
        )
    ]


def _deletion_protection(
    doc: SourceDocument, path: Path, index: dict[str, Any], settings: Settings
) -> list[Diagnostic]:
    policies = settings.policies
    if policies.require_deletion_protection is None:
        return []  # no such policy (the usual case): no need to gather the index's tags
    declared = mapping(index.get("tags"))
    tags = {str(k): str(v) for k, v in declared.items()} | dict(settings.ownership_tag)
    protection = index.get("deletion_protection", d.DEFAULT_DELETION_PROTECTION)
    if protection == "enabled" or not policies.requires_deletion_protection(tags):
        return []
    wanted = policies.require_deletion_protection or {}
    which = (
        "every index" if not wanted else "indexes tagged " + ", ".join(f"{k}={v}" for k, v in wanted.items())
    )
    found = (
        f"deletion_protection: {protection}" if "deletion_protection" in index else "no deletion_protection"
    )
    return [
        diagnostic(
            doc,
            (*path, "deletion_protection") if "deletion_protection" in index else path,
            f"policy require_deletion_protection: {which} must set deletion_protection: enabled; found {found}"
            + ("" if "deletion_protection" in index else f" (default {d.DEFAULT_DELETION_PROTECTION})"),
            "policy.require_deletion_protection",
            hint="set deletion_protection: enabled on the index",
        )
    ]


def _forbidden_roles(
    doc: SourceDocument, path: Path, key: dict[str, Any], settings: Settings
) -> list[Diagnostic]:
    roles = key.get("roles")
    held = settings.policies.forbidden_roles_in(
        [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else d.DEFAULT_API_KEY_ROLES
    )
    if not held:
        return []
    default = "" if isinstance(roles, list) else f" (no roles declared: the default is {', '.join(held)})"
    return [
        diagnostic(
            doc,
            (*path, "roles") if isinstance(roles, list) else path,
            f"policy forbid_roles: API keys may not hold {', '.join(held)}{default}",
            "policy.forbid_roles",
            hint=f"remove {', '.join(held)} from the key's roles"
            if isinstance(roles, list)
            else "declare roles the policy allows, e.g. roles: [DataPlaneEditor]",
        )
    ]


def _index_count(doc: SourceDocument, positions: list[int], settings: Settings) -> list[Diagnostic]:
    limit = settings.policies.max_indexes_per_project
    if limit is None or len(positions) <= limit:
        return []
    return [
        diagnostic(
            doc,
            ("indexes", positions[limit]),
            f"policy max_indexes_per_project: project {doc.data.get('name')!r} declares {len(positions)} "
            f"indexes, more than the limit of {limit}; this is index {limit + 1}",
            "policy.max_indexes_per_project",
            hint=f"declare at most {limit} indexes in the project, or raise policies.max_indexes_per_project",
        )
    ]
