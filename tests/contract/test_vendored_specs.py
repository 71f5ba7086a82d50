"""The vendored OpenAPI specs are the ones their README describes, and the tests read only them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from spec_conformance import SPEC_DIR, SPEC_FILES

REPO = Path(__file__).resolve().parents[2]


def _listed_digests() -> dict[str, str]:
    readme = (SPEC_DIR / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", readme, flags=re.MULTILINE))


def test_every_vendored_file_has_the_digest_its_readme_lists() -> None:
    listed = _listed_digests()
    on_disk = sorted(p.name for p in SPEC_DIR.iterdir() if p.name != "README.md")
    assert sorted(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((SPEC_DIR / name).read_bytes()).hexdigest() == digest, name


def test_the_specs_the_contract_tests_read_are_vendored() -> None:
    assert SPEC_DIR.is_relative_to(REPO)
    assert all((SPEC_DIR / name).is_file() for name in SPEC_FILES)


def test_no_test_or_module_reads_specs_from_outside_the_repository() -> None:
    """A fresh clone has no ``../shared`` beside it and no spec-location variable set."""
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("declarate", "tests", "bench")
        for path in (REPO / folder).rglob("*.py")
        if path != Path(__file__)
        and re.search(r"\.\./shared|DECLARATE_PINECONE_SPECS", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
