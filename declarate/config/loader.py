"""The config loader: config roots -> SourceDocuments with positions, and every problem met reading them.

Finds every `*.yaml`/`*.yml` under each root (recursively, sorted by path; hidden folders and hidden
files such as editor backups skipped; a root may also be a single file), refuses files reached through
a symlink that leaves the root (never reading them: one could point at a credentials file), skips
FIFOs, devices and sockets with a note (opening a FIFO would hang), lists files with other extensions
in a note (so a `.yml~` or `.json` file is never silently ignored), refuses files over 10 MiB and
files that are not UTF-8 (a UTF-8 BOM is fine; UTF-16/32 and stray bytes are reported with their
position), parses the text with libyaml and hands the events to `compose`, which builds the documents.
Parser errors become diagnostics at the parser's line and column, with a hint for the usual causes
(tabs, unquoted ': ', unclosed brackets).

Every failure is a Diagnostic (`config.*`, `yaml.*`, `interpolate.*`), never an exception. A file
with an error may still yield the documents it completed, but its diagnostics are errors: the caller
must refuse to plan (and so never plans a delete) when there is any. This module only reads files; it
does not judge what the documents mean. Its parts (`config_files`, `read_file`, `load_text`) are called
by `pipeline.load_config`, the one way config is read; nothing loads config around it.
"""

from __future__ import annotations

import codecs
import gc
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from declarate.config.compose import ComposeAbort, Composer, problem, too_deep
from declarate.config.document import SourceDocument
from declarate.diagnostics import Diagnostic, Severity
from declarate.model.resource import Origin

MAX_FILE_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")

# The C parser is ~10x faster; the pure-Python one yields the same events and marks.
_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml >= 0.2.6 (bundled with PyYAML 6.0.3+) refuses nesting over 1,000 levels itself. Its scanner
# reads ahead while a simple key is possible (up to 1,024 characters on one line), so on `[[[[...` it
# stops before the composer has seen the 65 levels it refuses: that error is the same refusal.
_PARSER_TOO_DEEP = "exceeded maximum nesting depth"
_SYNTAX_HINTS = {
    "mapping values are not allowed": "a ': ' inside a value needs quotes, or the indentation is off",
    "did not find expected key": "check the indentation of this line and the lines above it",
    "could not find expected ':'": "a key needs ':' after it, or a long value needs quotes",
    "found unexpected end of stream": "a quote or bracket was opened and never closed",
    "did not find expected ',' or ']'": "a '[' list is not closed, or an item needs quotes",
    "did not find expected ',' or '}'": "a '{' mapping is not closed, or an item needs quotes",
}
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def config_files(
    roots: Sequence[str | os.PathLike[str]],
) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """(file, the root it was found under) for every config file, each file once, sorted per root."""
    found: list[tuple[Path, str]] = []
    seen: set[str] = set()
    diagnostics: list[Diagnostic] = []
    for root in roots:
        base = Path(root)
        if base.is_dir():
            listing = _RootListing(base)
            candidates = listing.files
            diagnostics.extend(listing.diagnostics)
            if not candidates and not listing.diagnostics:
                message = f"there are no *.yaml or *.yml files under '{os.fspath(root)}'"
                diagnostics.append(Diagnostic(None, "", message, "config.empty_root", Severity.WARNING))
        elif base.exists():
            candidates = [base]  # named on the command line: read_file still refuses a FIFO or device
        else:
            message = f"the config path '{os.fspath(root)}' does not exist"
            diagnostics.append(problem(None, message, "config.not_found", hint="check the -f/--config path"))
            continue
        for path in candidates:
            real = os.path.realpath(path)
            if real not in seen:  # overlapping roots (`-f . -f projects`) must not load a file twice
                seen.add(real)
                found.append((path, os.fspath(root)))
    return found, diagnostics


class _RootListing:
    """The YAML files under one root directory, and notes on everything else found there."""

    def __init__(self, base: Path) -> None:
        self.files: list[Path] = []
        self.diagnostics: list[Diagnostic] = []
        real_root = os.path.realpath(base)
        special: list[str] = []
        other: list[str] = []
        for path in sorted(_visible_files(base)):
            is_yaml = path.name.endswith(YAML_SUFFIXES)
            real = os.path.realpath(path)
            if is_yaml and os.path.commonpath([real_root, real]) != real_root:
                message = (
                    f"'{display_name(path)}' is a symlink to a file outside the config root "
                    f"'{os.fspath(base)}'; it is not read"
                )
                hint = "copy the file into the config root, or pass its directory with another -f"
                self.diagnostics.append(problem(None, message, "config.symlink_outside", hint=hint))
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = 0  # a dangling symlink: reported as unreadable when read
            if is_yaml and mode and not stat.S_ISREG(mode):
                special.append(display_name(path))
            elif is_yaml:
                self.files.append(path)
            elif not stat.S_ISDIR(mode):
                other.append(display_name(path))
        if special:
            self.diagnostics.append(
                _note(
                    f"skipped {_listed(special)}: not regular files (a FIFO, socket or device)",
                    "config.not_regular",
                )
            )
        if other:
            self.diagnostics.append(
                _note(f"not read (only *.yaml and *.yml are config): {_listed(other)}", "config.other_files")
            )


def _visible_files(base: Path) -> Iterator[Path]:
    """Every non-hidden entry under `base` that is not a directory walked into (symlinks not followed)."""
    for directory, subdirectories, files in os.walk(base):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                yield Path(directory, name)


def _listed(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _note(message: str, code: str) -> Diagnostic:
    return Diagnostic(None, "", message, code, Severity.WARNING)


def display_name(path: Path) -> str:
    """`path` as a user would type it: relative to the working directory when it lies inside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.getcwd()).as_posix()
    except ValueError:
        return path.as_posix()


def read_file(path: Path, file: str) -> bytes | Diagnostic:
    """The bytes of one config file, or why they cannot be had (unreadable, over the size limit)."""
    try:
        # O_NONBLOCK: opening a FIFO that appeared since the listing must not hang; fstat then
        # refuses it, so only a regular file is ever read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                message = "not a regular file (a FIFO, socket or device): it is not read"
                return problem(Origin(file, 1, 1), message, "config.not_regular")
            if info.st_size > MAX_FILE_BYTES:
                return _too_large(file, info.st_size)
            data = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as error:
        message = f"cannot read the file: {error.strerror or error}"
        return problem(Origin(file, 1, 1), message, "config.unreadable")
    if len(data) > MAX_FILE_BYTES:
        return _too_large(file, len(data))
    return data


def load_text(
    content: str | bytes, file: str, *, root: str = ".", env: Mapping[str, str] | None = None
) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """The documents of YAML text (bytes must be UTF-8) whose positions name `file`."""
    text = _decode(content, file) if isinstance(content, bytes) else content.removeprefix("\ufeff")
    if isinstance(text, Diagnostic):
        return [], [text]
    if "\x00" in text:  # libyaml would stop at the first NUL and silently drop the rest
        hint = "save it as UTF-8 text"
        message = "the file contains NUL bytes: it is binary, or UTF-16 without a byte order mark"
        return [], [problem(Origin(file, 1, 1), message, "yaml.encoding", hint=hint)]
    return compose_text(text, file, root=root, env=os.environ if env is None else env)


def compose_text(
    text: str, file: str, *, root: str = ".", env: Mapping[str, str]
) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """The non-empty documents of YAML `text` (named `file` in positions) and every problem in it.

    After a syntax error or an abort (alias bomb, nesting too deep) the documents completed before it
    are still returned; the diagnostics say the file did not load.
    """
    composer = Composer(file, root, env)
    documents: list[SourceDocument] = []
    parser = _Parser(text)
    try:
        with _collector_paused():
            documents.extend(composer.documents(parser))
    except ComposeAbort as abort:
        composer.diagnostics.append(abort.diagnostic)
    except yaml.MarkedYAMLError as error:
        composer.diagnostics.append(_syntax_error(error, file, text))
    except yaml.reader.ReaderError as error:
        line, column = _position_of_byte(text.encode(), error.position)
        message = f"the character U+{error.character:04X} is not allowed in YAML ({error.reason})"
        hint = "remove it: YAML files must be printable text"
        composer.diagnostics.append(problem(Origin(file, line, column), message, "yaml.syntax", hint=hint))
    finally:
        parser.dispose()
    return documents, composer.diagnostics


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one file's documents are built, then restore it.

    Composing allocates hundreds of thousands of small containers, none of them in a cycle; with the
    collector running, its passes over everything loaded so far took a third to a half of the load
    time of a 10,000-index config. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decode(data: bytes, file: str) -> str | Diagnostic:
    """UTF-8 text without its BOM, or why the bytes are not UTF-8."""
    start = Origin(file, 1, 1)
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            message = f"the file is {encoding}-encoded; declarate reads UTF-8 only"
            return problem(start, message, "yaml.encoding", hint="save it as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position_of_byte(data, error.start)
        message = (
            f"the file is not valid UTF-8: byte 0x{data[error.start]:02x} at line {line}, column {column}"
        )
        hint = "save it as UTF-8; it may be Latin-1 or Windows-1252"
        return problem(Origin(file, line, column), message, "yaml.encoding", hint=hint)


def _too_large(file: str, size: int) -> Diagnostic:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    message = f"the file is {size / (1024 * 1024):.1f} MiB; the limit is {limit} MiB"
    return problem(Origin(file, 1, 1), message, "yaml.too_large", hint="split it into several files")


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset in UTF-8 data."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _syntax_error(error: yaml.MarkedYAMLError, file: str, text: str) -> Diagnostic:
    """A parser error as a diagnostic at its mark, with a hint for the usual causes."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    origin = Origin(file, line, column)
    if error.problem and _PARSER_TOO_DEEP in error.problem:
        return too_deep(origin)
    lines = text.split("\n")
    source_line = lines[line - 1] if line <= len(lines) else ""
    found = error.problem or "the text is not valid YAML"
    if source_line[column - 1 : column] == "\t" and "cannot start any token" in found:
        message = "a tab character is used for indentation; YAML allows only spaces"
        return problem(origin, message, "yaml.tab", hint="replace the tab with spaces")
    message = f"YAML syntax error: {found}"
    context_mark = error.context_mark
    if error.context and context_mark is not None and context_mark.line + 1 != line:
        message += f" ({error.context} at line {context_mark.line + 1})"
    hint = next((h for needle, h in _SYNTAX_HINTS.items() if needle in found), None)
    return problem(origin, message, "yaml.syntax", hint=hint)
