"""Usage totals: a figure that was not read is never summed as zero, and members are counted once."""

from __future__ import annotations

from declarate.model.usage import Deployment, IndexUsage, ProjectUsage, UsageReport


def _index(name: str, records: int | None, deployment: Deployment = Deployment.SERVERLESS) -> IndexUsage:
    if records is None:
        return IndexUsage(name, deployment, unknown="unreachable")
    return IndexUsage(name, deployment, records=records, namespaces=1, storage_bytes=records * 10)


def test_a_total_over_an_unknown_keeps_the_known_sum_and_says_it_is_incomplete() -> None:
    report = UsageReport("t", (ProjectUsage("a", (_index("x", 5), _index("y", None))),))
    totals = report.totals
    assert (totals.records.value, totals.records.unknown, totals.records.complete) == (5, 1, False)
    assert totals.unknown == ("project/a/index/y: unreachable",)
    assert not report.complete


def test_a_project_whose_indexes_cannot_be_listed_makes_every_data_figure_unknown() -> None:
    totals = UsageReport("t", (ProjectUsage("a", unknown="403"), ProjectUsage("b", (_index("x", 2),)))).totals
    assert not totals.records.complete and not totals.storage_bytes.complete
    assert totals.records.value == 2 and totals.unknown == ("project/a: 403",)


def test_indexes_are_counted_by_deployment_and_read_nodes_summed() -> None:
    dedicated = IndexUsage("d", Deployment.DEDICATED, read_nodes=4, records=0, namespaces=0, storage_bytes=0)
    totals = UsageReport(
        "t", (ProjectUsage("a", (_index("x", 1), _index("p", 1, Deployment.POD), dedicated)),)
    ).totals
    assert totals.indexes[Deployment.SERVERLESS] == totals.indexes[Deployment.POD] == 1
    assert totals.indexes[Deployment.DEDICATED] == 1 and totals.index_count == 3 and totals.read_nodes == 4


def test_members_bound_in_two_projects_count_once_for_the_organization() -> None:
    a = ProjectUsage("a", members=frozenset({"user:1", "service_account:2"}), role_bindings=3)
    b = ProjectUsage("b", members=frozenset({"user:1"}), role_bindings=1)
    totals = UsageReport("t", (a, b)).totals
    assert (totals.members, totals.role_bindings) == (2, 4)
