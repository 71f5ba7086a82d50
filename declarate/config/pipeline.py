"""The config pipeline: config roots -> load -> overlays -> schema -> rules -> normalize -> policies.

Every layer runs on every file, so one run reports every problem of every file. Only
documents that loaded and passed the schema are normalized, and a finding at a node an earlier layer
already reported (or below it) is dropped: one problem, one message. With an environment selected,
its values feed `${values.NAME}` and its overlays are merged over the base documents before any check;
overlay files are never read as base config. A config that loads no documents is an error: an empty root must never read as "delete everything". This is the only config module that
touches the file system, through the loader; it never prints and never talks to an API.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from declarate.config.document import SourceDocument
from declarate.config.environments import environments_of, per_environment
from declarate.config.interpolate import InterpolationEnv, Values
from declarate.config.loader import config_files, display_name, load_text, read_file
from declarate.config.normalize import mapping, normalize
from declarate.config.overlay import merge_overlays
from declarate.config.policy_rules import check_policies
from declarate.config.problems import did_you_mean
from declarate.config.rules import WORKSPACE_FILE, check_rules
from declarate.config.schema import check_schema
from declarate.config.workspace import settings_from
from declarate.diagnostics import Diagnostic, Severity
from declarate.model.resource import Origin
from declarate.model.settings import Environment, Settings
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


def load_config(
    roots: Sequence[str | Path],
    env: Mapping[str, str] | None = None,
    *,
    environment: str | None = None,
    every: bool = False,
) -> LoadedConfig:
    """Load, validate and normalize the config under `roots`: the one way config is read, by every
    command and by the config tests and the bad-input corpus alike.

    `env` feeds `${VAR}` (default os.environ). `environment` selects one of the workspace's
    environments: its values and overlays apply. With environments declared and none selected, a
    command that reads live state must not guess: the result is a refusal (a diagnostic, nothing
    loaded). With `every` (validate) each declared environment is loaded instead, and every
    diagnostic is reported once, naming the environments it holds in.
    """
    environ = os.environ if env is None else env
    names = [e.name for e in declared_environments(roots, environ)] if environment is None else []
    if names and not every:
        refusal = Diagnostic(
            None,
            "",
            f"declarate.yaml declares environments ({', '.join(names)}): this command needs one",
            "environment.required",
            hint="choose one with --env NAME or DECLARATE_ENV",
        )
        return LoadedConfig(State(), Settings(), [refusal], [], "", [])  # nothing loaded: nothing may be sent
    if not names:
        return _load_environment(roots, environ, environment)
    loads = [_load_environment(roots, environ, name) for name in names]
    found = per_environment({name: load.diagnostics for name, load in zip(names, loads, strict=True)})
    return replace(loads[0], diagnostics=found)


def _load_environment(
    roots: Sequence[str | Path], environ: Mapping[str, str], environment: str | None
) -> LoadedConfig:
    """The config under `roots` as environment `environment` (None: the base config alone) sees it."""
    files, diagnostics = config_files(roots)
    workspace = _workspace(files, environ)
    declared = environments_of(workspace)
    selected = _select(declared, environment, workspace, diagnostics)
    overlay_files = {
        name: _overlay_files(workspace, e, diagnostics if e is selected else [])
        for name, e in ((e.name, e) for e in declared)
    }
    never_base = {os.path.realpath(path) for paths in overlay_files.values() for path, _ in paths}
    values = Values(
        selected.name if selected else None,
        selected.values if selected else {},
        tuple(e.name for e in declared),
        str(selected.origin) if selected and selected.origin else None,
    )
    interpolation = InterpolationEnv(environ, _interpolation_allow(workspace), values=values)
    contents: list[tuple[str, bytes]] = []
    base = [(path, root) for path, root in files if os.path.realpath(path) not in never_base]
    documents = _read(base, interpolation, diagnostics, contents)
    if selected is not None:
        overlays = _read(overlay_files[selected.name], interpolation, diagnostics, contents)
        documents, merge_problems = merge_overlays(documents, overlays)
        diagnostics.extend(merge_problems)
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
    settings = replace(settings, environment=selected)
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


def declared_environments(
    roots: Sequence[str | Path], env: Mapping[str, str] | None = None
) -> tuple[Environment, ...]:
    """The environments declarate.yaml under `roots` declares, in order (read ahead, unchecked)."""
    files, _ = config_files(roots)
    return environments_of(_workspace(files, os.environ if env is None else env))


def _read(
    files: Sequence[tuple[Path, str]],
    env: Mapping[str, str],
    diagnostics: list[Diagnostic],
    contents: list[tuple[str, bytes]],
) -> list[SourceDocument]:
    """The documents of `files`, their problems into `diagnostics`, their bytes into `contents`."""
    documents: list[SourceDocument] = []
    for path, root in files:
        file = display_name(path)
        data = read_file(path, file)
        if isinstance(data, Diagnostic):
            diagnostics.append(data)
            data = b""  # already reported; hashes as empty
        else:
            file_documents, file_diagnostics = load_text(data, file, root=root, env=env)
            documents.extend(file_documents)
            diagnostics.extend(file_diagnostics)
        contents.append((file, data))
    return documents


def _workspace(files: Sequence[tuple[Path, str]], env: Mapping[str, str]) -> SourceDocument | None:
    """The Workspace document of declarate.yaml, read ahead for its environments (problems come later)."""
    for path, root in files:
        if path.name != WORKSPACE_FILE:
            continue
        data = read_file(path, display_name(path))
        if isinstance(data, Diagnostic):
            continue
        documents, _ = load_text(data, display_name(path), root=root, env=InterpolationEnv(env))
        workspace = next((doc for doc in documents if doc.kind == "Workspace"), None)
        if workspace is not None:
            return replace(workspace, root=os.fspath(path.parent))
    return None


def _interpolation_allow(workspace: SourceDocument | None) -> list[str]:
    """The credential variables declarate.yaml's `interpolation.allow` lets config read.

    The workspace file itself is read ahead with no credential allowed; its own problems are reported
    when it is loaded with the others.
    """
    section = mapping(workspace.data.get("interpolation")) if workspace is not None else {}
    allow = section.get("allow")
    return [name for name in allow if isinstance(name, str)] if isinstance(allow, list) else []


def _select(
    declared: tuple[Environment, ...],
    name: str | None,
    workspace: SourceDocument | None,
    diagnostics: list[Diagnostic],
) -> Environment | None:
    """The environment called `name`, or a diagnostic saying it is not declared."""
    if name is None:
        return None
    chosen = next((e for e in declared if e.name == name), None)
    if chosen is None:
        names = [e.name for e in declared]
        origin = workspace.origin(("environments",)) if workspace is not None else None
        diagnostics.append(
            Diagnostic(
                origin,
                "environments",
                f"environment '{name}' is not declared"
                + (
                    f"; declared: {', '.join(names)}"
                    if names
                    else ": declarate.yaml declares no environments"
                ),
                "environment.unknown",
                hint=did_you_mean(name, names)
                if names
                else "declare it under environments: in declarate.yaml",
            )
        )
    return chosen


def _overlay_files(
    workspace: SourceDocument | None, environment: Environment, diagnostics: list[Diagnostic]
) -> list[tuple[Path, str]]:
    """The config files of an environment's overlays (relative to declarate.yaml's folder)."""
    if workspace is None:
        return []
    folder = Path(workspace.root)
    found: list[tuple[Path, str]] = []
    for i, overlay in enumerate(environment.overlays):
        path = folder / overlay
        origin: Origin = workspace.origin(("environments", environment.name, "overlays", i))
        where = f"environments.{environment.name}.overlays[{i}]"
        inside = os.path.commonpath([os.path.realpath(folder), os.path.realpath(path)]) == os.path.realpath(
            folder
        )
        if not inside:  # config must not be able to read files from anywhere on the machine
            message = (
                f"overlay '{overlay}' of environment '{environment.name}' leaves the folder of declarate.yaml"
            )
            hint = "keep overlays inside the config root, e.g. envs/prod"
            diagnostics.append(Diagnostic(origin, where, message, "environment.overlay_outside", hint=hint))
            continue
        if not path.exists():
            message = (
                f"overlay '{overlay}' of environment '{environment.name}' does not exist "
                f"(looked for {display_name(path)})"
            )
            hint = "overlay paths are relative to the folder of declarate.yaml"
            diagnostics.append(Diagnostic(origin, where, message, "environment.overlay_missing", hint=hint))
            continue
        files, problems = config_files([path])
        diagnostics.extend(problems)
        found.extend(files)
    return found


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
        starts = sorted(
            (origin.file, origin.line, i)
            for i, doc in enumerate(documents)
            for origin in (doc.origin(()), *doc.patched_by)  # an overlay's lines belong to what it patched
        )
        for file, line, i in starts:
            lines, indexes = self._starts.setdefault(file, ([], []))
            lines.append(line)
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
