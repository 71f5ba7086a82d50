"""Addresses are the public identity of resources: they print and parse back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarate.model.address import Address, AddressError, Kind, PrincipalType

names = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.com", fullmatch=True)
roles = st.sampled_from(["ProjectViewer", "ProjectEditor", "OrgMember"])
# Every name the API accepts: project names are 1-512 characters of anything, keys and service accounts
# 1-80; separators (`/`, `:`), escapes (`%`, `%2F` written literally) and unicode included.
pieces = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8) | st.sampled_from(
    ["/", ":", "%", "%2F", "%25", "%2f"]
)
hostile = st.lists(pieces, min_size=1, max_size=6).map("".join).filter(bool)


@given(project=names, name=names)
def test_index_and_key_addresses_round_trip(project: str, name: str) -> None:
    for address in (Address.index(project, name), Address.api_key(project, name), Address.project_(project)):
        assert Address.parse(str(address)) == address


@given(project=st.none() | names, who=emails | names, role=roles, ptype=st.sampled_from(list(PrincipalType)))
def test_role_binding_addresses_round_trip(
    project: str | None, who: str, role: str, ptype: PrincipalType
) -> None:
    address = Address.role_binding(project, ptype, who, role)
    assert Address.parse(str(address)) == address
    assert address.role_binding_parts() == (ptype, who, role)


@given(project=hostile, name=hostile)
def test_every_name_round_trips_through_its_address(project: str, name: str) -> None:
    addresses = (
        Address.project_(project),
        Address.index(project, name),
        Address.api_key(project, name),
        Address.service_account(name),
        Address.backup_schedule(project, name, project + name),
    )
    for address in addresses:
        assert Address.parse(str(address)) == address


@given(project=hostile, index=hostile, name=hostile)
def test_backup_schedules_live_under_their_index(project: str, index: str, name: str) -> None:
    address = Address.backup_schedule(project, index, name)
    assert Address.parse(str(address)) == address
    assert address.parent_index == Address.index(project, index)
    assert address.matches_prefix(str(Address.index(project, index)))
    assert address != Address.backup_schedule(project, name, index) or index == name


@given(project=st.none() | hostile, who=hostile, role=hostile, ptype=st.sampled_from(list(PrincipalType)))
def test_hostile_role_bindings_round_trip_with_their_structure(
    project: str | None, who: str, role: str, ptype: PrincipalType
) -> None:
    address = Address.role_binding(project, ptype, who, role)
    assert Address.parse(str(address)) == address
    assert address.role_binding_parts() == (ptype, who, role)


def test_a_project_named_like_an_index_address_stays_a_project() -> None:
    project = Address.project_("team/index/prod-idx")
    assert str(project) == "project/team%2Findex%2Fprod-idx"
    assert Address.parse(str(project)) == project
    assert Address.parse(str(project)) != Address.index("team", "prod-idx")


def test_documented_address_spellings() -> None:
    assert str(Address.project_("apparel-team")) == "project/apparel-team"
    assert str(Address.index("apparel-team", "apparel-recs")) == "project/apparel-team/index/apparel-recs"
    assert str(Address.api_key("apparel-team", "recs-service")) == "project/apparel-team/api-key/recs-service"
    binding = Address.role_binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")
    assert str(binding) == "project/apparel-team/role-binding/service-account:recs-ci/ProjectViewer"
    assert str(Address.service_account("recs-ci")) == "service-account/recs-ci"
    schedule = Address.backup_schedule("apparel-team", "apparel-recs", "nightly")
    assert str(schedule) == "project/apparel-team/index/apparel-recs/backup-schedule/nightly"
    org = Address.role_binding(None, PrincipalType.USER, "alice@example.com", "OrgMember")
    assert str(org) == "organization/role-binding/user:alice@example.com/OrgMember"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "project",
        "index/x",
        "project/a/widget/b",
        "project/a/index/b/c",
        "org/x",
        "project/a/index/b/schedule/c",
    ],
)
def test_malformed_addresses_are_rejected_with_examples(text: str) -> None:
    with pytest.raises(AddressError, match=r"expected e\.g\."):
        Address.parse(text)


def test_only_prefix_matches_whole_segments() -> None:
    address = Address.index("apparel-team", "recs")
    assert address.matches_prefix("project/apparel-team")
    assert address.matches_prefix("project/apparel-team/index/")
    assert not address.matches_prefix("project/apparel")
    assert Address(Kind.SERVICE_ACCOUNT, None, "ci").matches_prefix("service-account/ci")


@given(project=hostile, name=hostile)
def test_an_address_keeps_its_identity_through_copies_pickles_and_replace(project: str, name: str) -> None:
    import copy
    import dataclasses
    import pickle

    address = Address.index(project, name)
    str(address), hash(address)  # computed once and kept by the address
    for again in (pickle.loads(pickle.dumps(address)), copy.deepcopy(address), Address.index(project, name)):
        assert again == address and hash(again) == hash(address) and str(again) == str(address)
        assert {address: 1}[again] == 1
    renamed = dataclasses.replace(address, name=name + "x")
    assert renamed != address and str(renamed) == str(Address.index(project, name + "x"))
    assert "_hash" not in pickle.loads(pickle.dumps(address)).__dict__  # a hash is per process
