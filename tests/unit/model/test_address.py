"""Addresses are the public identity of resources: they print and parse back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarate.model.address import Address, AddressError, Kind, PrincipalType

names = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.com", fullmatch=True)
roles = st.sampled_from(["ProjectViewer", "ProjectEditor", "OrgMember"])


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


def test_documented_address_spellings() -> None:
    assert str(Address.project_("apparel-team")) == "project/apparel-team"
    assert str(Address.index("apparel-team", "apparel-recs")) == "project/apparel-team/index/apparel-recs"
    assert str(Address.api_key("apparel-team", "recs-service")) == "project/apparel-team/api-key/recs-service"
    binding = Address.role_binding("apparel-team", PrincipalType.SERVICE_ACCOUNT, "recs-ci", "ProjectViewer")
    assert str(binding) == "project/apparel-team/role-binding/service-account:recs-ci/ProjectViewer"
    assert str(Address.service_account("recs-ci")) == "service-account/recs-ci"
    org = Address.role_binding(None, PrincipalType.USER, "alice@example.com", "OrgMember")
    assert str(org) == "organization/role-binding/user:alice@example.com/OrgMember"


@pytest.mark.parametrize(
    "text", ["", "project", "index/x", "project/a/widget/b", "project/a/index/b/c", "org/x"]
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
