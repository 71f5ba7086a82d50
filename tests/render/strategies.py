"""Hypothesis strategies for plans: random but well-formed, and free of credential-named fields."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from declarate.model.address import Address, PrincipalType
from declarate.model.kinds import KINDS
from declarate.model.plan import Action, Block, Change, FieldDiff, Note, Plan, Unmanaged
from declarate.model.resource import Origin

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True)
keys = st.from_regex(r"[a-z_][a-z0-9_-]{0,10}", fullmatch=True)
# Any printable text, including Markdown and HTML punctuation, to exercise escaping.
texts = st.text(st.characters(codec="utf-8"), max_size=40)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)

origins = st.builds(
    Origin,
    st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}\.yaml", fullmatch=True),
    st.integers(1, 9999),
    st.integers(1, 200),
)


@st.composite
def addresses(draw: st.DrawFn) -> Address:
    project = draw(names)
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return Address.project_(project)
    if choice == 1:
        return Address.index(project, draw(names))
    if choice == 2:
        return Address.api_key(project, draw(names))
    if choice == 3:
        return Address.service_account(draw(names))
    scope = project if choice == 4 else None
    ptype = draw(st.sampled_from(PrincipalType))
    return Address.role_binding(
        scope, ptype, draw(names), draw(st.sampled_from(["ProjectViewer", "OrgMember"]))
    )


paths = st.lists(keys, min_size=1, max_size=4).map(".".join)
field_diffs = st.builds(FieldDiff, paths, json_values, json_values, texts, st.none() | origins)


def _as_diffed(address: Address, fields: list[FieldDiff]) -> tuple[FieldDiff, ...]:
    """Each field with its path's mutability from the KINDS table, as the diff sets it."""
    spec = KINDS[address.kind]
    return tuple(dataclasses.replace(f, mutability=spec.rule_for(f.path).mutability) for f in fields)


blocks = st.builds(Block, texts, texts, texts)
attrs = st.none() | st.dictionaries(keys, json_values, max_size=4)

changes = st.builds(
    lambda address, fields, **rest: Change(address, fields=_as_diffed(address, fields), **rest),
    address=addresses(),
    action=st.sampled_from(Action),
    fields=st.lists(field_diffs, max_size=4),
    blocks=st.lists(blocks, max_size=3).map(tuple),
    source=st.none() | origins,
    reason=texts,
    before=attrs,
    after=attrs,
    depends_on=st.lists(addresses(), max_size=2).map(tuple),
)

plans = st.builds(
    Plan,
    changes=st.lists(changes, max_size=8).map(tuple),
    unmanaged=st.lists(st.builds(Unmanaged, addresses(), texts), max_size=4).map(tuple),
    notes=st.lists(st.builds(Note, addresses(), texts, st.none() | origins), max_size=3).map(tuple),
    fingerprints=st.dictionaries(
        addresses().map(str), st.from_regex(r"[0-9a-f]{16}", fullmatch=True), max_size=3
    ),
    config_digest=st.none() | st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
    target=st.none() | texts,
)
