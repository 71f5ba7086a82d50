"""Exported config files show every character a reviewer must see, and read back to the live value."""

from __future__ import annotations

import yaml

from declarate.model.address import Address
from declarate.model.resource import Resource
from declarate.model.settings import Settings
from declarate.model.state import State
from declarate.render.export import export_documents

# A live key name anyone allowed to create keys can choose: a bidi override, a zero-width space,
# a C1 control and an escape, beside ordinary non-ASCII that must stay readable.
HOSTILE = "deploy\u202egnp.exe\u200b\x85\x1b[2J-clé"


def test_invisible_characters_in_live_names_are_escaped_in_exported_files_and_read_back() -> None:
    live = State.of(
        [
            Resource(Address.project_("p"), {"name": "p"}),
            Resource(Address.api_key("p", HOSTILE), {"name": HOSTILE, "roles": ["ProjectEditor"]}),
        ],
        scopes={"project/p"},
    )

    text = export_documents(live, Settings(), ["p"])["projects/p.yaml"]

    for invisible in ("\u202e", "\u200b", "\x85", "\x1b"):
        assert invisible not in text
    assert "clé" in text  # readable Unicode stays as it is
    assert yaml.safe_load(text)["api_keys"][0]["name"] == HOSTILE
