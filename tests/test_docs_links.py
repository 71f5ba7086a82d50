"""Every relative link in the README, docs/ and examples/ci/README.md leads to a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "examples" / "ci" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    targets = [t.split("#")[0] for t in LINK.findall(page.read_text()) if not re.match(r"[a-z]+:", t)]
    missing = [t for t in targets if t and not (page.parent / t).exists()]
    assert missing == []


def test_each_use_has_its_page_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in ("laptop", "pull-request-check", "nightly-drift", "github-action", "pre-commit"):
        assert f"(docs/{page}.md)" in readme
    for page in ("shell-completion", "troubleshooting"):
        assert f"(docs/{page}.md)" in readme
