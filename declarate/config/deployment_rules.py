"""Semantic rules for where an index runs: its `spec` or `deployment`, region and read capacity.

A serverless index must name a region of the API's catalog for its cloud (`regions.py`), a pod or
BYOC index an environment, and read capacity only goes where it applies. Each finding is a
Diagnostic at the node the user wrote (`spec.serverless.region` or `deployment.region`), with a "did
you mean" where one helps. Parts the JSON Schema rejected are skipped, never crashed on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.normalize import desugar_deployment, mapping
from declarate.config.problems import diagnostic
from declarate.config.regions import SERVERLESS_REGIONS, closest_region, clouds_of, is_serverless_region
from declarate.diagnostics import Diagnostic
from declarate.model import defaults as d
from declarate.model.sugar import SPEC_KINDS


def check_deployment(doc: SourceDocument, path: Path, index: Mapping[str, Any]) -> list[Diagnostic]:
    """Where an index runs: one spec form, an environment where one is needed, a known cloud region,
    and read capacity only where it applies."""
    found: list[Diagnostic] = []
    spec = index.get("spec")
    where: Path = (*path, "deployment")
    if isinstance(spec, dict) and "deployment" not in index:
        kinds = [k for k in SPEC_KINDS if k in spec]
        if len(kinds) > 1:
            found.append(
                diagnostic(
                    doc,
                    (*path, "spec"),
                    f"spec needs exactly one of serverless, pod, byoc; found {', '.join(kinds)}",
                    "rules.deployment",
                )
            )
        where = (*path, "spec", kinds[0]) if kinds else (*path, "spec")
    deployment = desugar_deployment(index)
    if deployment is None:
        return found
    kind = deployment.get("deployment_type", "managed")
    if kind == "managed":
        found += _serverless_region(doc, where, deployment)
    if kind in ("pod", "byoc") and not isinstance(deployment.get("environment"), str):
        found.append(
            diagnostic(
                doc,
                where,
                f"a {kind} deployment needs an environment; found none",
                "rules.deployment",
                hint="add e.g. 'environment: us-east1-gcp'" if kind == "pod" else "add the BYOC environment",
            )
        )
    read_capacity = index.get("read_capacity")
    if kind == "pod" and read_capacity is not None:
        found.append(
            diagnostic(
                doc,
                (*path, "read_capacity"),
                "read_capacity applies to serverless and BYOC indexes; found it on a pod index",
                "rules.deployment",
                hint="remove 'read_capacity' (size a pod index with replicas, shards and pod_type)",
                on_key=True,
            )
        )
    if kind == "byoc" and mapping(read_capacity).get("mode") != "Dedicated":
        found.append(
            diagnostic(
                doc,
                (*path, "read_capacity") if read_capacity is not None else where,
                "a BYOC index needs read_capacity mode Dedicated (the API rejects OnDemand for BYOC); "
                f"found {mapping(read_capacity).get('mode', 'none')}",
                "rules.deployment",
                hint="add read_capacity: {mode: Dedicated, dedicated: {node_type: b1, scaling: Manual, "
                "manual: {replicas: 1, shards: 1}}}",
            )
        )
    return found


def _serverless_region(doc: SourceDocument, where: Path, deployment: Mapping[str, Any]) -> list[Diagnostic]:
    """A managed index's cloud/region pair must be one the API serves (it answers 404 otherwise)."""
    cloud = deployment.get("cloud", d.DEFAULT_CLOUD)
    region = deployment.get("region")
    if not isinstance(cloud, str) or cloud not in SERVERLESS_REGIONS:
        return []  # not a cloud at all: the schema reported it
    known = SERVERLESS_REGIONS[cloud]
    listed = ", ".join(known)
    if region is None:
        if cloud == d.DEFAULT_CLOUD:
            return []  # the API's default region, us-east-1, is an aws region
        return [
            diagnostic(
                doc,
                where,
                f"a serverless index on {cloud} needs a region ({listed}); found none, and the default "
                f"region {d.DEFAULT_REGION} is not in {cloud}",
                "rules.region",
                hint=f"add region: {known[0]}",
            )
        ]
    if not isinstance(region, str) or is_serverless_region(cloud, region):
        return []
    elsewhere = clouds_of(region)
    hint: str | None
    if elsewhere:
        message = (
            f"{region} is a region of {' and '.join(elsewhere)}, not of {cloud}; {cloud} regions: {listed}"
        )
        hint = f"set cloud: {elsewhere[0]}, or a {cloud} region such as {known[0]}"
    else:
        message = f"Pinecone has no serverless region {region!r} on {cloud}; {cloud} regions: {listed}"
        close = closest_region(cloud, region)
        hint = f"did you mean {close!r}?" if close else None
    return [diagnostic(doc, (*where, "region"), message, "rules.region", hint=hint)]
