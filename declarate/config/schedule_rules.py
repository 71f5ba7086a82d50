"""Semantic rules for an index's `backup_schedules`: what the backup-schedule API would refuse.

The JSON Schema already checks each schedule's shape (name pattern, frequency, the retain_days
range); these rules check what needs the whole list or the index: unique names on the index, at most
one enabled schedule (the API answers 409 to a second), and no schedules on a pod index (400). Every
finding names the offending node. Nothing here builds resources; `normalize.py` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import desugar_deployment, items
from declarate.config.problems import diagnostic
from declarate.diagnostics import Diagnostic
from declarate.model import defaults as d
from declarate.model.resource import Origin


def check_backup_schedules(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    """Every rule about the `backup_schedules` of the index item at `path` (none when it has none)."""
    schedules = index.get("backup_schedules")
    if not isinstance(schedules, list):
        return []
    here: Path = (*path, "backup_schedules")
    found: list[Diagnostic] = []
    deployment = desugar_deployment(index) or {}
    if schedules and deployment.get("deployment_type") == "pod":
        found.append(
            diagnostic(
                doc,
                here,
                "backup schedules are supported for serverless and BYOC indexes only; this is a pod index",
                "rules.backup_schedule_pod",
                hint="remove backup_schedules from this index",
                on_key=True,
            )
        )
    names: dict[str, Origin] = {}
    enabled_at: Origin | None = None
    for i, schedule in items(schedules):
        name = schedule.get("name")
        if isinstance(name, str):
            if name in names:
                found.append(
                    diagnostic(
                        doc,
                        (*here, i, "name"),
                        f"backup schedule {name!r} is declared twice on this index; the first is at "
                        f"{names[name]}",
                        "rules.duplicate_name",
                        hint="schedule names are unique on an index: rename or remove one",
                    )
                )
            else:
                names[name] = doc.origin((*here, i, "name"))
        enabled = schedule.get("enabled", d.DEFAULT_SCHEDULE_ENABLED)
        if enabled is not True or schedule.get("ensure") == "unmanaged":  # not declarate's to run
            continue
        if enabled_at is not None:
            found.append(
                diagnostic(
                    doc,
                    (*here, i),
                    f"an index may have only one enabled backup schedule; another is enabled at {enabled_at}",
                    "rules.backup_schedule_enabled",
                    hint="set enabled: false on all but one (schedules are enabled by default)",
                )
            )
        else:
            enabled_at = doc.origin((*here, i))
    return found
