"""Metrics API (db_metrics_2026-07): Prometheus service discovery and a per-project text export.

``GET /prometheus/projects/{project_id}/metrics/discover`` answers the spec's ``PrometheusTargets``:
one target, this server's ``/projects/{project_id}/metrics/export``, with the project's labels.
The export is the Prometheus text format (0.0.4): per index, its records, namespaces and storage
bytes, counted from the same rows that ``describe_index_stats`` and the namespace list report, so
`declarate report` and a Prometheus scrape agree. Both take a key of that project as a bearer token
(a key of another project is refused like an unknown one: 401). No writes.
"""

from __future__ import annotations

from .control.index_model import project_indexes
from .data import hosts, records
from .errors import ApiError
from .rbac import Perm
from .routing import Call, Reply
from .store import Row, loads

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

# (name, help) of each per-index gauge, in the order exported.
GAUGES = (
    ("pinecone_db_record_total", "Records in the index (describe_index_stats totalVectorCount)."),
    ("pinecone_db_namespace_total", "Namespaces in the index (describe_index_stats namespaces)."),
    (
        "pinecone_db_storage_size_bytes",
        "Bytes the index's records take (the sum of its namespaces' size_bytes).",
    ),
)


def _project(call: Call) -> Row:
    """The path's project, if the bearer key belongs to it and may read it; else 401."""
    key = call.key_principal
    project_id = call.path["project_id"]
    if key.project_id != project_id or Perm.PROJECT_READ not in key.permissions:
        raise ApiError(401, "UNAUTHENTICATED", "Invalid API key for this project.")
    with call.ctx.store.read() as tx:
        row = tx.one("SELECT id, name FROM projects WHERE id = ?", (project_id,))
    if row is None:
        raise ApiError(401, "UNAUTHENTICATED", "Invalid API key for this project.")
    return row


def _labels(project: Row) -> dict[str, str]:
    return {"project_id": str(project["id"]), "project_name": str(project["name"])}


def discover_targets(call: Call) -> Reply:
    """GET /prometheus/projects/{project_id}/metrics/discover."""
    project = _project(call)
    target = f"{hosts.request_base_url()}/projects/{project['id']}/metrics/export"
    return Reply(200, [{"targets": [target], "labels": _labels(project)}])


def export_metrics(call: Call) -> Reply:
    """GET /projects/{project_id}/metrics/export: the project's index gauges as Prometheus text."""
    project = _project(call)
    samples: dict[str, list[str]] = {name: [] for name, _ in GAUGES}
    with call.ctx.store.read() as tx:
        for index in project_indexes(tx, str(project["id"]), call.now, call.ctx.settings.ready_after):
            record_count, namespace_count = records.counts(tx, str(index["id"]))
            size = records.size_bytes(tx, str(index["id"]))
            deployment = loads(index["deployment"]) or {}
            labels = {
                **_labels(project),
                "index_name": str(index["name"]),
                "cloud": str(deployment.get("cloud") or ""),
                "region": str(deployment.get("region") or ""),
            }
            shown = label_set(labels)
            for (name, _), value in zip(GAUGES, (record_count, namespace_count, size), strict=True):
                samples[name].append(f"{name}{shown} {value}")
    lines: list[str] = []
    for name, help_text in GAUGES:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples[name]]
    return Reply(200, "\n".join(lines) + "\n", media_type=PROMETHEUS_TEXT)


def label_set(labels: dict[str, str]) -> str:
    """`{a="x",b="y"}` with each value escaped as the text format requires (backslash, quote, newline)."""
    return "{" + ",".join(f'{key}="{_escaped(value)}"' for key, value in labels.items()) + "}"


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
