"""Pinecone's tag rules, for an index's tags and for the Workspace's ownership tag.

At most 20 tags; a key of 1-80 of A-Z a-z 0-9 _ -; a value of at most 120 printable ASCII characters,
and never empty (an empty value is how Pinecone deletes a tag). Checks only; never reads files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from declarate.config.document import Path, SourceDocument
from declarate.config.problems import diagnostic
from declarate.diagnostics import Diagnostic
from declarate.model import defaults as d

TAG_KEY = re.compile(rf"^[A-Za-z0-9_-]{{1,{d.TAG_KEY_MAX}}}$")


def check_tags(doc: SourceDocument, path: Path, tags: Mapping[Any, Any]) -> list[Diagnostic]:
    """Pinecone's tag rules: at most 20; key 1-80 of A-Z a-z 0-9 _ -; value at most 120 printable ASCII."""
    found: list[Diagnostic] = []
    if len(tags) > d.MAX_TAGS:
        found.append(
            diagnostic(doc, path, f"an index has at most {d.MAX_TAGS} tags; found {len(tags)}", "rules.tags")
        )
    for key, value in tags.items():
        if not isinstance(key, str) or not TAG_KEY.match(key):
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"a tag key must be 1-{d.TAG_KEY_MAX} characters of A-Z, a-z, 0-9, '_' and '-'; "
                    f"found {key!r}",
                    "rules.tags",
                    on_key=True,
                )
            )
        if not isinstance(value, str):
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"a tag value must be a string; found {value!r}",
                    "rules.tags",
                    hint=f'quote it: {key}: "{value}"',
                )
            )
        elif value == "":
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    "an empty tag value means 'delete this tag' to Pinecone; found ''",
                    "rules.tags",
                    hint=f"remove the tag {key!r} instead",
                )
            )
        elif len(value) > d.TAG_VALUE_MAX or not (value.isascii() and value.isprintable()):
            # Printable ASCII is " " to "~": str.isprintable refuses every other ASCII character.
            found.append(
                diagnostic(
                    doc,
                    (*path, key),
                    f"a tag value must be at most {d.TAG_VALUE_MAX} printable ASCII characters; "
                    f"found {len(value)} characters {value[:40]!r}",
                    "rules.tags",
                )
            )
    return found
