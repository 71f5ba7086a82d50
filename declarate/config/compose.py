"""YAML parse events -> plain-data documents with the file:line:column of every value and mapping key.

Built on libyaml's parse events (the C parser when available), not on PyYAML's constructor, so that it
can record positions, report duplicate keys instead of PyYAML's silent last-wins, reject keys that are
not text (YAML 1.1 reads `on:`, `yes:`, `1:` and `~:` as booleans, numbers and null), and bound what a
file can cost: 64 levels of nesting and 100,000 nodes copied through aliases (a "billion laughs" file
stops after a few thousand copies, before it uses real memory).

Scalars keep PyYAML SafeLoader's (YAML 1.1) meaning, except timestamps, which stay text; merge keys
(`<<: *defaults`) work as in PyYAML. `${VAR}` in string values is expanded (see `interpolate`); an
expanded *plain* scalar is then read as YAML would read the resulting text (`dimension: ${DIM}` is a
number), while a quoted one stays a string.

Every problem is a Diagnostic. This module neither reads files nor parses text (that is `loader`,
which also turns parser errors into diagnostics) and does not judge meaning (`schema`, the rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from declarate.config.document import Path, SourceDocument, format_path
from declarate.config.interpolate import interpolate, whole_value
from declarate.diagnostics import Diagnostic
from declarate.model.resource import Origin

MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000  # nodes copied through aliases, per file

_resolve = cast(Callable[[type, str, tuple[bool, bool]], str], Resolver().resolve)
_CONSTRUCTOR = SafeConstructor()

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
_TEXT_TAGS = {_STR, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value", _MERGE}
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_KEY_READ_AS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
}

Positions = list[tuple[Path, Any]]  # (path, the parser's mark)


def problem(
    origin: Origin | None, message: str, code: str, path: Path = (), *, hint: str | None = None
) -> Diagnostic:
    """An error diagnostic at `origin` about `path`."""
    return Diagnostic(origin, format_path(path), message, code, hint=hint)


class ComposeAbort(Exception):
    """Stops reading a file whose rest cannot be trusted (alias bomb, too deep, broken alias)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _MarkPositions(Mapping[Path, Origin]):
    """Positions kept as the parser's marks; an Origin is only made for a position someone reads.

    Most positions are never read (they serve error messages), and making 200,000 Origins up front
    was a quarter of the load time of a 10,000-index config.
    """

    __slots__ = ("_file", "_marks")

    def __init__(self, file: str, marks: dict[Path, Any]) -> None:
        self._file, self._marks = file, marks

    def __getitem__(self, path: Path) -> Origin:
        mark = self._marks[path]
        return Origin(self._file, mark.line + 1, mark.column + 1)

    def __contains__(self, path: object) -> bool:
        return path in self._marks

    def get(self, path: Path, default: Any = None) -> Any:  # Mapping.get would look up twice
        mark = self._marks.get(path)
        return default if mark is None else Origin(self._file, mark.line + 1, mark.column + 1)

    def __iter__(self) -> Iterator[Path]:
        return iter(self._marks)

    def __len__(self) -> int:
        return len(self._marks)

    def __repr__(self) -> str:
        return f"<{len(self._marks)} positions in {self._file}>"


@dataclass(frozen=True)
class _Anchor:
    value: Any
    positions: Positions  # paths relative to the anchored node
    key_positions: Positions
    size: int  # nodes (one position each), counting those the anchored node copied through aliases
    height: int  # nesting levels below the anchored node


class _MergeKey(str):
    """A plain `<<` key: merge the mapping(s) it names. A quoted '<<' is an ordinary key."""


_MERGE_KEY = _MergeKey("<<")


class Composer:
    """Builds one file's documents from parse events, recording positions as it goes.

    Problems are collected in `diagnostics`; one that makes the rest of the file untrustworthy
    (alias bomb, nesting too deep, broken alias) raises ComposeAbort instead.
    """

    def __init__(self, file: str, root: str, env: Mapping[str, str]) -> None:
        self.file, self.root, self.env = file, root, env
        self.diagnostics: list[Diagnostic] = []
        self.positions: Positions = []
        self.key_positions: Positions = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()  # an alias to one of these is a cycle
        self.alias_nodes = 0
        self.next_event: Callable[[], Any] = lambda: None

    def documents(self, parser: Any) -> Iterator[SourceDocument]:
        self.next_event = parser.get_event
        self.next_event()  # StreamStart
        index = 0
        while not isinstance(self.next_event(), StreamEndEvent):  # DocumentStart
            self.positions, self.key_positions, self.anchors = [], [], {}
            data = self.node(self.next_event(), (), 0)
            self.next_event()  # DocumentEnd
            if data is not None:  # an empty document (`---` alone, comments only) declares nothing
                positions = _MarkPositions(self.file, dict(self.positions))
                keys = _MarkPositions(self.file, dict(self.key_positions))
                yield SourceDocument(self.file, index, data, positions, keys, self.root)
            index += 1

    def at(self, mark: Any) -> Origin:
        return Origin(self.file, mark.line + 1, mark.column + 1)

    def node(self, event: Any, path: Path, depth: int) -> Any:
        mark = event.start_mark
        kind = type(event)
        if kind is AliasEvent:
            return self.alias(event.anchor, path, depth, mark)
        self.positions.append((path, mark))
        if kind is ScalarEvent:
            value = self.scalar(event, path)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(value, [((), mark)], [], 1, 0)
            return value
        if depth >= MAX_DEPTH:
            raise ComposeAbort(too_deep(self.at(mark)))
        if event.tag not in _COLLECTION_TAGS:
            self.diagnostics.append(_unsupported_tag(event.tag, self.at(mark), path))
        anchor = event.anchor
        start = len(self.positions) - 1, len(self.key_positions)
        if anchor is not None:
            self.open_anchors.add(anchor)
        collection: Any = (
            self.sequence(path, depth) if kind is SequenceStartEvent else self.mapping(path, depth)
        )
        if anchor is not None:
            self.open_anchors.discard(anchor)
            cut = len(path)
            positions = [(p[cut:], m) for p, m in self.positions[start[0] :]]
            keys = [(p[cut:], m) for p, m in self.key_positions[start[1] :]]
            height = max(len(p) for p, _ in positions)
            self.anchors[anchor] = _Anchor(collection, positions, keys, len(positions), height)
        return collection

    def sequence(self, path: Path, depth: int) -> list[Any]:
        items: list[Any] = []
        while type(event := self.next_event()) is not SequenceEndEvent:
            items.append(self.node(event, (*path, len(items)), depth + 1))
        return items

    def mapping(self, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_marks: dict[str, Any] = {}
        merges: list[tuple[Any, Positions, Positions]] = []
        # `detached` swaps these lists but always restores the same objects, so binding them is safe.
        add_position, add_key_position = self.positions.append, self.key_positions.append
        while type(event := self.next_event()) is not MappingEndEvent:
            mark = event.start_mark
            key = event.value if _is_text_scalar(event) else self.key(event, path, depth)
            value_event = self.next_event()
            if key is not None and key in key_marks:
                first, again = key_marks[key].line + 1, mark.line + 1
                message = f"duplicate key '{key}': first at line {first}, again at line {again}"
                hint = "remove one: YAML would silently keep only the last"
                self.diagnostics.append(
                    problem(self.at(mark), message, "yaml.duplicate_key", (*path, key), hint=hint)
                )
                key = None
            if key is None:
                self.detached(value_event, path, depth)  # read past the value, keep nothing of it
                continue
            key_marks[key] = mark
            if type(key) is _MergeKey:
                merges = self.merge_sources(value_event, path, depth, mark)
                continue
            child = (*path, key)
            add_key_position((child, mark))
            if _is_text_scalar(value_event) and "${" not in value_event.value:
                add_position((child, value_event.start_mark))  # the common case, without the calls below
                result[key] = value_event.value
            else:
                result[key] = self.node(value_event, child, depth + 1)
        cut = len(path)
        for value, positions, key_positions in merges:  # the first source wins, explicit keys beat all
            taken = {k for k in value if k not in result}
            result.update((k, value[k]) for k in taken)
            self.positions.extend(e for e in positions if len(e[0]) > cut and e[0][cut] in taken)
            self.key_positions.extend(e for e in key_positions if e[0][cut] in taken)
        return result

    def key(self, event: Any, path: Path, depth: int) -> str | None:
        """The key's text (`_MERGE_KEY` for a merge), or None when it cannot be a key (reported)."""
        origin = self.at(event.start_mark)
        if type(event) is not ScalarEvent:
            # A key is one level inside its mapping, like a value: `? ? ? ...` must not recurse unbounded.
            value = self.detached(event, path, depth + 1)[0]
            if isinstance(value, str):  # an alias to a string
                return value
            found = (
                "a list"
                if isinstance(value, list)
                else "a mapping"
                if isinstance(value, dict)
                else repr(value)
            )
            message = f"a mapping key must be text, found {found}"
            self.diagnostics.append(problem(origin, message, "yaml.key_type", path))
            return None
        text, tag = event.value, event.tag
        if tag is None or tag == "!":
            tag = _plain_tag(text) if event.implicit[0] else _STR
        if tag == _MERGE:
            return _MERGE_KEY
        if tag in _TEXT_TAGS:  # dates stay text, as they do in values
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(text, [((), event.start_mark)], [], 1, 0)
            return text
        if not text or tag == _NULL:
            message = f"a mapping key is {'empty' if not text else repr(text)}, which YAML reads as null"
        elif tag in _KEY_READ_AS:
            value = self.scalar(event, path)
            shown = str(value).lower() if isinstance(value, bool) else value
            message = f"the key '{text}' is read by YAML as {_KEY_READ_AS[tag]} ({shown}), not as text"
        else:
            message = f"the key '{text}' has the unsupported tag '{tag}'"
        self.diagnostics.append(problem(origin, message, "yaml.key_type", path, hint=f"quote it: '{text}':"))
        return text or None  # go on with the text, so the rest of the mapping is still checked

    def merge_sources(
        self, event: Any, path: Path, depth: int, mark: Any
    ) -> list[tuple[Any, Positions, Positions]]:
        """The mappings a `<<` key merges in (one, or a list), each composed as if it stood at `path`.

        They count one level deeper (two in a list) than the mapping, as written: merges nested in
        merges are nesting too, and must meet the same depth limit.
        """
        if type(event) is SequenceStartEvent:
            if depth + 1 >= MAX_DEPTH:
                raise ComposeAbort(too_deep(self.at(event.start_mark)))
            items = []
            while type(item := self.next_event()) is not SequenceEndEvent:
                items.append(self.detached(item, path, depth + 2))
        else:
            items = [self.detached(event, path, depth + 1)]
        sources = [item for item in items if isinstance(item[0], dict)]
        if len(sources) < len(items):
            message = "a merge key '<<' needs a mapping or a list of mappings"
            self.diagnostics.append(problem(self.at(mark), message, "yaml.merge", path))
        return sources

    def detached(self, event: Any, path: Path, depth: int) -> tuple[Any, Positions, Positions]:
        """Compose a node without recording its positions in the document; return them instead."""
        saved = self.positions, self.key_positions
        self.positions, self.key_positions = [], []
        try:
            return self.node(event, path, depth), self.positions, self.key_positions
        finally:
            self.positions, self.key_positions = saved

    def alias(self, name: str, path: Path, depth: int, mark: Any) -> Any:
        anchor = self.anchors.get(name)
        if anchor is None:
            message = f"the alias *{name} has no anchor &{name} before it"
            if name in self.open_anchors:
                message = f"the alias *{name} refers to the node that contains it"
            raise ComposeAbort(problem(self.at(mark), message, "yaml.alias", path))
        self.alias_nodes += anchor.size
        if self.alias_nodes > MAX_ALIAS_NODES:
            bomb = "a 'billion laughs' YAML bomb?"
            message = f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes ({bomb}); the rest of the file was not read"
            hint = "write the content out, or nest fewer aliases"
            raise ComposeAbort(problem(self.at(mark), message, "yaml.alias_bomb", path, hint=hint))
        if depth + anchor.height > MAX_DEPTH:
            raise ComposeAbort(too_deep(self.at(mark)))
        self.positions.append((path, mark))  # the value sits where the alias is written
        self.positions.extend(((*path, *p), m) for p, m in anchor.positions if p)
        self.key_positions.extend(((*path, *p), m) for p, m in anchor.key_positions)
        return _copy(anchor.value)

    def scalar(self, event: Any, path: Path) -> Any:
        text: str = event.value
        tag: str = event.tag
        plain = False
        if tag is None or tag == "!":
            plain = event.implicit[0]
            tag = _plain_tag(text) if plain else _STR
        if tag == _STR:
            if "${" not in text:
                return text
            if plain:
                found, value = whole_value(text, self.env)
                if found:  # `replicas: ${values.replicas}` is the value itself, with its YAML type
                    return value
            origin = self.at(event.start_mark)
            expanded, problems = interpolate(text, self.env, origin, format_path(path))
            self.diagnostics.extend(problems)
            if plain and expanded != text:  # read the result as if it had been written there
                tag = _plain_tag(expanded)
            text = expanded
        if tag in _TEXT_TAGS:
            return text
        try:
            if tag == _INT and text.isdigit() and (text[0] != "0" or len(text) == 1):
                return int(text)  # the common case; "0755" is octal in YAML 1.1, left to PyYAML
            if tag == _NULL:
                return None
            if tag == "tag:yaml.org,2002:bool":
                return SafeConstructor.bool_values[text.lower()]
            if tag == _INT:
                return _CONSTRUCTOR.construct_yaml_int(ScalarNode(tag, text))
            if tag == "tag:yaml.org,2002:float":
                return _CONSTRUCTOR.construct_yaml_float(ScalarNode(tag, text))
        except (KeyError, ValueError, IndexError):  # PyYAML's constructors index into the text
            message = f"'{text}' cannot be read as {tag.rsplit(':', 1)[-1]}"
            self.diagnostics.append(problem(self.at(event.start_mark), message, "yaml.tag", path))
            return text
        self.diagnostics.append(_unsupported_tag(tag, self.at(event.start_mark), path))
        return text


def _is_text_scalar(event: Any) -> bool:
    """True for an untagged, unanchored scalar that YAML reads as text (quoted, or a word like `cosine`)."""
    if type(event) is not ScalarEvent or event.tag is not None or event.anchor is not None:
        return False
    return not event.implicit[0] or (_PLAIN_TAGS.get(event.value) or _plain_tag(event.value)) == _STR


def _plain_tag(text: str) -> str:
    """The tag YAML 1.1 gives an untagged plain scalar, cached: configs repeat the same words a lot."""
    tag = _PLAIN_TAGS.get(text)
    if tag is None:
        tag = _resolve(ScalarNode, text, (True, False))
        if len(_PLAIN_TAGS) < 50_000:
            _PLAIN_TAGS[text] = tag
    return tag


_PLAIN_TAGS: dict[str, str] = {}


def _copy(value: Any) -> Any:
    """A fresh copy of plain containers, so an aliased value can be changed in one place downstream."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def too_deep(origin: Origin) -> Diagnostic:
    """Nesting over `MAX_DEPTH`, found by the composer or (sooner, when it reads ahead) by the parser."""
    # No path: at this depth it would be longer than the message.
    return problem(origin, f"nesting is deeper than {MAX_DEPTH} levels", "yaml.too_deep")


def _unsupported_tag(tag: str, origin: Origin, path: Path) -> Diagnostic:
    hint = "declarate reads plain YAML: text, numbers, booleans, null, lists and mappings"
    return problem(origin, f"the YAML tag '{tag}' is not supported", "yaml.tag", path, hint=hint)
