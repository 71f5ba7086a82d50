"""Conformance of the route table: every operation the local target serves is one the specs define.

The responses themselves are checked where they are caused: each contract test checks its own
(``conforming_responses`` in the contract conftest), and when a session that ran every contract test
ends, the conftest checks that every served operation answered successfully at least once. Neither
depends on test order, ``-k`` or the xdist distribution, and this module needs no server.
"""

from __future__ import annotations

from spec_conformance import check_response, load_operations

from declarate.local.app import OPERATIONS
from declarate.local.data.operations import DATA_OPERATIONS


def test_the_route_table_matches_the_specs() -> None:
    operations = load_operations()
    table = {op.operation_id: (op.method, op.path) for op in OPERATIONS + DATA_OPERATIONS}
    assert set(table) == set(operations)
    for operation_id, (method, path) in table.items():
        assert (operations[operation_id].method, operations[operation_id].path) == (method, path)


def test_a_response_that_breaks_its_schema_is_reported() -> None:
    # The per-test check can fail: a project answer without its required fields does not conform.
    assert check_response("fetch_project", 200, "application/json", {"id": "p"}) != []
    assert check_response("fetch_project", 299, "application/json", {}) != []
    assert check_response("no_such_operation", 200, "application/json", {}) != []
