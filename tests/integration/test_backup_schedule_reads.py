"""What reading backup schedules costs: one list request per index that lists `backup_schedules`.

The 2026-07 API lists schedules per index only, so declarate reads them only for the indexes whose
declaration lists the key (the ReadRequest names them); every other index costs nothing extra.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from declarate.model.address import Address, Kind
from tests.integration.conftest import Estate, make_provider, read_request, run

DENSE = {"fields": {"e": {"type": "dense_vector", "dimension": 8, "metric": "cosine"}}}
SCHEDULE_ROUTE = "GET /indexes/{index_name}/backup-schedules"


def test_schedules_cost_one_request_per_index_that_lists_them_and_none_otherwise(
    server: Any, estate: Estate
) -> None:
    project_id = estate.project("team")
    control = estate.control(project_id)
    for number in range(6):
        estate.index(project_id, name=f"idx-{number}", schema=DENSE)
        control.backup_schedules.create(
            index_name=f"idx-{number}", name="nightly", frequency="daily", retention_days=7
        )

    def read(scheduled: frozenset[Address]) -> tuple[Any, int]:
        before = estate.served_by_route().get(SCHEDULE_ROUTE, 0)
        request = dataclasses.replace(read_request("team"), backup_schedules=scheduled)

        async def go() -> Any:
            async with make_provider(server) as provider:
                return await provider.read(request)

        live = run(go())
        return live, estate.served_by_route().get(SCHEDULE_ROUTE, 0) - before

    none, none_cost = read(frozenset())
    two, two_cost = read(frozenset({Address.index("team", "idx-1"), Address.index("team", "idx-4")}))

    assert none_cost == 0 and none.of_kind(Kind.BACKUP_SCHEDULE) == []
    assert two_cost == 2
    assert sorted(str(r.address) for r in two.of_kind(Kind.BACKUP_SCHEDULE)) == [
        "project/team/index/idx-1/backup-schedule/nightly",
        "project/team/index/idx-4/backup-schedule/nightly",
    ]
