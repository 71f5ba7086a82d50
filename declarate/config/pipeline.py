"""The config pipeline: config roots -> load -> schema -> rules -> normalize -> policies, as one LoadedConfig.

Every layer runs on every file, so one run reports every problem of every file. Only
documents that loaded and passed the schema are normalized, and a finding at a node an earlier layer
already reported (or below it) is dropped: one problem, one message. A config that loads no documents is
an error: an empty root must never read as "delete everything". This is the only config module that
touches the file system, through the loader; it never prints and never talks to an API.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from declarate.config.document import SourceDocument
from declarate.config.interpolate import InterpolationEnv
from declarate.config.loader import config_files, display_name, load_text, read_file
from declarate.config.normalize import normalize
from declarate.config.policy_rules import check_policies
from declarate.config.rules import WORKSPACE_FILE, check_rules
from declarate.config.schema import check_schema
from declarate.config.workspace import settings_from
from declarate.diagnostics import Diagnostic, Severity
from declarate.model.settings import Settings
from declarate.model.state import State


@dataclass(frozen=True)
class LoadedConfig:
    """Everything one read of the config produced: desired state, settings and every diagnostic.

    `digest` identifies the exact bytes of every file read (a saved plan records it); `files` names
    them as the user would type them.
    """

    desired: State
    settings: Settings
    diagnostics: list[Diagnostic]
    documents: list[SourceDocument]
    digest: str
    files: list[str]

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed): only then may a plan be made."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def load_config(roots: Sequence[str | Path], env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Load, validate and normalize the config under `roots`; `env` feeds `${VAR}` (default os.environ)."""
    files, diagnostics = config_files(roots)
    read = [(path, root, display_name(path)) for path, root in files]
    raw = {file: read_file(path, file) for path, _, file in read}
    environment = InterpolationEnv(os.environ if env is None else env, _interpolation_allow(read, raw))
    documents: list[SourceDocument] = []
    contents: list[tuple[str, bytes]] = []
    for _, root, file in read:
        data = raw[file]
        if isinstance(data, Diagnostic):
            diagnostics.append(data)
            data = b""  # already reported; hashes as empty
        else:
            file_documents, file_diagnostics = load_text(data, file, root=root, env=environment)
            documents.extend(file_documents)
            diagnostics.extend(file_diagnostics)
        contents.append((file, data))
    # An empty config is an error of its own only when nothing else explains it: after a missing
    # path or a file that does not parse, "no documents found" would just repeat that error.
    if not documents and not any(d.severity is Severity.ERROR for d in diagnostics):
        where = ", ".join(os.fspath(root) for root in roots) or "."
        diagnostics.append(
            Diagnostic(
                None,
                "",
                f"no documents found under {where}",
                "config.empty",
                hint="add Project, Organization or Workspace documents; an empty config never plans deletes",
            )
        )
    loaded = _Reported(documents, diagnostics)
    schema_diagnostics = [d for d in check_schema(documents) if not loaded.covers(d)]
    reported = _Reported(documents, [*diagnostics, *schema_diagnostics])
    rule_diagnostics = [d for d in check_rules(documents) if not reported.covers(d)]
    valid = [doc for i, doc in enumerate(documents) if i not in reported.failed]
    settings, workspace_diagnostics = settings_from(valid)
    desired, normalize_diagnostics = normalize(valid)
    policy_diagnostics = check_policies(valid, settings)
    return LoadedConfig(
        desired=desired,
        settings=settings,
        diagnostics=[
            *diagnostics,
            *schema_diagnostics,
            *rule_diagnostics,
            *workspace_diagnostics,
            *normalize_diagnostics,
            *policy_diagnostics,
        ],
        documents=documents,
        digest=config_digest(contents),
        files=[name for name, _ in contents],
    )


def _interpolation_allow(
    read: Sequence[tuple[Path, str, str]], raw: Mapping[str, bytes | Diagnostic]
) -> list[str]:
    """The credential variables declarate.yaml's `interpolation.allow` lets config read.

    The workspace file itself is read with no credential allowed; its own problems are reported when
    it is loaded with the others.
    """
    for path, root, file in read:
        data = raw[file]
        if path.name != WORKSPACE_FILE or isinstance(data, Diagnostic):
            continue
        workspace_docs, _ = load_text(data, file, root=root, env=InterpolationEnv({}))
        for doc in workspace_docs:
            section = doc.data.get("interpolation") if doc.kind == "Workspace" else None
            allow = section.get("allow") if isinstance(section, dict) else None
            if isinstance(allow, list):
                return [name for name in allow if isinstance(name, str)]
    return []


def config_digest(contents: Sequence[tuple[str, bytes]]) -> str:
    """sha256 over the sorted (file name, bytes) pairs: any edit, addition or removal changes it."""
    digest = hashlib.sha256()
    for name, data in sorted(contents):
        encoded = name.encode()
        # Length prefixes keep ("a", b"bc") and ("ab", b"c") apart.
        digest.update(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


class _Reported:
    """Which documents the loader or the schema rejected, and at which paths (per document)."""

    def __init__(self, documents: list[SourceDocument], diagnostics: list[Diagnostic]) -> None:
        # Per file, the first line of each document and its index in `documents`, in file order.
        self._starts: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(documents):
            lines, indexes = self._starts.setdefault(doc.file, ([], []))
            lines.append(doc.origin(()).line)
            indexes.append(i)
        self.failed: set[int] = set()
        self._paths: set[tuple[int, str]] = set()
        for diagnostic in diagnostics:
            document = self.document_of(diagnostic)
            if document is not None and diagnostic.severity is Severity.ERROR:
                self.failed.add(document)
                self._paths.add((document, diagnostic.path))

    def document_of(self, diagnostic: Diagnostic) -> int | None:
        """The index of the document a diagnostic's position lies in (documents of a file are in order)."""
        origin = diagnostic.origin
        if origin is None or origin.file not in self._starts:
            return None
        lines, indexes = self._starts[origin.file]
        return indexes[max(bisect_right(lines, origin.line) - 1, 0)]

    def covers(self, diagnostic: Diagnostic) -> bool:
        """True when an earlier layer already reported this node or one of its ancestors."""
        i = self.document_of(diagnostic)
        if i is None:
            return False
        path = diagnostic.path
        while path:
            if (i, path) in self._paths:
                return True
            path = _parent(path)
        return False


def _parent(path: str) -> str:
    """'indexes[0].tags.team' -> 'indexes[0].tags' -> 'indexes[0]' -> 'indexes' -> ''."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""
