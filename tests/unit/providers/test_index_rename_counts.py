"""An index rename trusts a backup found by its name only as far as it is OLD's and says its count."""

from __future__ import annotations

from typing import Any

import pytest

from declarate.model.address import Address
from declarate.model.plan import Action, Change
from declarate.providers.pinecone.index_renames import RenameFailed, _Steps

OLD = Address.parse("project/team/index/recs")
NEW = Address.parse("project/team/index/recs-v2")


def _steps() -> _Steps:
    change = Change(NEW, Action.RENAME, renamed_from=OLD)
    return _Steps(session=None, change=change, desired=None, old=OLD, key="k")  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [12, "12"])  # a count as index_stats reads every count (int64 as a string)
def test_a_backup_of_the_old_index_with_a_count_gives_that_count(count: Any) -> None:
    assert _steps()._backup_count({"source_index_name": "recs", "record_count": count}) == 12


@pytest.mark.parametrize(
    "backup",
    [
        {"source_index_name": "recs"},  # no count: never read as 0, which an empty index would "match"
        {"source_index_name": "recs", "record_count": None},
        {"source_index_name": "recs", "record_count": -1},
        {"source_index_name": "recs", "record_count": "-12"},
        {"source_index_name": "recs", "record_count": "1" * 21},
        {"source_index_name": "recs", "record_count": True},
        {"source_index_name": "recs", "record_count": 1.5},
        {"source_index_name": "junk", "record_count": 0},  # a backup of another index, by our name
        {"record_count": 0},
    ],
)
def test_a_backup_that_is_not_the_old_index_s_or_has_no_count_stops_the_rename(
    backup: dict[str, Any],
) -> None:
    with pytest.raises(RenameFailed, match="kept"):
        _steps()._backup_count(backup)
