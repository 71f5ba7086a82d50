"""Conformance: every response the contract suite received matches the spec's response schema.

Marked ``conformance``: the contract conftest moves it after every other test, so it sees what the
whole suite recorded through the session server.
"""

from __future__ import annotations

import pytest
from spec_conformance import check_recorded, load_operations

from declarate.local.app import OPERATIONS
from declarate.local.data.operations import DATA_OPERATIONS
from declarate.local.serve import ServerHandle

pytestmark = pytest.mark.conformance


def test_every_recorded_response_matches_the_spec(server: ServerHandle) -> None:
    recorded = server.recorded_responses()
    if len(recorded) < 100:
        pytest.skip("run together with the contract suite (too few responses were recorded)")
    problems = check_recorded(recorded)
    assert not problems, f"{len(problems)} responses do not match the spec:\n" + "\n".join(problems)


def test_every_served_operation_was_exercised_successfully(server: ServerHandle) -> None:
    recorded = server.recorded_responses()
    if len(recorded) < 100:
        pytest.skip("run together with the contract suite (too few responses were recorded)")
    succeeded = {entry["operation_id"] for entry in recorded if 200 <= entry["status"] < 300}
    served = {op.operation_id for op in OPERATIONS + DATA_OPERATIONS if op.handler is not None}
    assert served - succeeded == set()


def test_the_route_table_matches_the_specs() -> None:
    operations = load_operations()
    table = {op.operation_id: (op.method, op.path) for op in OPERATIONS + DATA_OPERATIONS}
    assert set(table) == set(operations)
    for operation_id, (method, path) in table.items():
        assert (operations[operation_id].method, operations[operation_id].path) == (method, path)
