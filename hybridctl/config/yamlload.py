"""YAML to data with positions, built from libyaml's event stream.

Why not ``yaml.safe_load``: it keeps the last of two duplicate keys silently,
resolves scalars by YAML 1.1 (``yes`` becomes True, while Roo Code's YAML 1.2
parser reads the string "yes"), and keeps no positions. Why not the composer:
its recursion crashes the interpreter on deeply nested input. Events come from
an iterative parser, so one loop here applies every limit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from hybridctl.config.diagnostics import diagnostic
from hybridctl.config.document import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    Document,
    Findings,
    JsonPath,
    LoadFailed,
    SourceText,
    format_path,
)

if TYPE_CHECKING:
    from collections.abc import Callable

try:  # libyaml is bundled in PyYAML's wheels; the pure-Python parser is the fallback
    from yaml._yaml import CParser

    HAS_LIBYAML = True
except ImportError:  # pragma: no cover - only PyYAML built without libyaml
    HAS_LIBYAML = False

MAX_ALIAS_NODES = 100_000

# The words PyYAML (YAML 1.1) reads as booleans but YAML 1.2 reads as strings.
_YAML11_BOOLEANS = frozenset(["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"])
_CORE_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_CORE_TRUE = frozenset(("true", "True", "TRUE"))
_CORE_FALSE = frozenset(("false", "False", "FALSE"))
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")

_TAG = "tag:yaml.org,2002:"
_MAP_TAGS = frozenset((None, "!", _TAG + "map"))
_SEQ_TAGS = frozenset((None, "!", _TAG + "seq"))


class NumberTooLarge(ValueError):
    """An integer longer than hybridctl reads (Python refuses str() past 4,300 digits)."""


def resolve_plain(value: str) -> Any:
    """YAML 1.2 core schema resolution of a plain (unquoted) scalar."""
    if len(value) > MAX_INT_DIGITS and (_INT.match(value) or _INT_OCT.match(value) or _INT_HEX.match(value)):
        raise NumberTooLarge(f"an integer of {len(value):,} characters")
    if value in _CORE_NULL:
        return None
    if value in _CORE_TRUE:
        return True
    if value in _CORE_FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN.match(value):
        return math.nan
    return value


_EXPLICIT: dict[str, Callable[[str], Any]] = {
    _TAG + "str": str,
    _TAG + "int": lambda v: int(v, 0),
    _TAG + "float": float,
    _TAG + "bool": lambda v: v in _CORE_TRUE,
    _TAG + "null": lambda v: None,
}


def _short_tag(tag: str | None) -> str:
    tag = tag or "!"
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _start(event: yaml.Event) -> int:
    return event.start_mark.index if event.start_mark is not None else 0


def _end(event: yaml.Event) -> int:
    return event.end_mark.index if event.end_mark is not None else 0


class PurePythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own event parser: the same events as libyaml's, slower."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def event_parser(text: str) -> Any:
    return CParser(text) if HAS_LIBYAML else PurePythonParser(text)


@dataclass
class _Frame:
    path: JsonPath
    container: dict[str, Any] | list[Any]
    start: int
    anchor: str | None
    log_start: int
    key: str | None = None
    key_span: tuple[int, int] | None = None
    key_ok: bool = True
    seen: dict[str, int] = field(default_factory=dict)
    is_key: bool = False  # a list or mapping written where a mapping key belongs


class _Builder:
    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.diagnostics = Findings()
        self.value_log: list[tuple[JsonPath, tuple[int, int]]] = []
        self.key_spans: dict[JsonPath, tuple[int, int]] = {}
        # anchor -> value, its slice of the value log (-1, -1: spans dropped), nodes in it
        self.anchors: dict[str, tuple[Any, int, int, int]] = {}
        self.alias_nodes = 0
        self.stack: list[_Frame] = []
        self.root: Any = None

    def error(self, rule: str, message: str, index: int, path: JsonPath, hint: str | None = None) -> None:
        line, column = self.source.position(index)
        self.diagnostics.add(
            diagnostic(
                rule,
                message,
                file=self.source.display,
                line=line,
                column=column,
                json_path=format_path(path),
                hint=hint,
            )
        )

    def fatal(
        self, rule: str, message: str, index: int, path: JsonPath, hint: str | None = None
    ) -> LoadFailed:
        self.error(rule, message, index, path, hint)
        return LoadFailed(self.diagnostics)

    def child_path(self) -> JsonPath | None:
        """Path of the next node, or None when the next node is a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        if top.key is None:
            return None
        return (*top.path, top.key)

    def place(self, value: Any, span: tuple[int, int], anchor: str | None, log_start: int) -> None:
        path = self.child_path()
        assert path is not None
        self.value_log.append((path, span))
        if anchor is not None:
            hi = len(self.value_log)
            self.anchors[anchor] = (value, log_start, hi, hi - log_start)
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        key = top.key
        assert key is not None and top.key_span is not None
        if top.key_ok:
            if key in top.seen:
                first_line = self.source.position(top.seen[key])[0]
                self.error(
                    "duplicate-key",
                    f"duplicate key '{key}' (first defined on line {first_line})",
                    top.key_span[0],
                    path,
                    hint="YAML loaders silently keep only one of them; remove or rename one",
                )
            else:
                top.seen[key] = top.key_span[0]
            top.container[key] = value
            self.key_spans[path] = top.key_span
        top.key, top.key_span, top.key_ok = None, None, True

    def scalar(self, event: yaml.ScalarEvent) -> None:
        path = self.child_path()
        span = (_start(event), _end(event))
        plain = event.style in (None, "") and event.implicit[0]
        if event.tag in (None, "!"):
            try:
                value = resolve_plain(event.value) if plain else event.value
            except NumberTooLarge as exc:
                raise self.fatal(
                    "number-too-large",
                    f"{exc}; hybridctl reads integers of up to {MAX_INT_DIGITS:,} digits",
                    span[0],
                    path or (),
                    hint="quote it if it is meant as text",
                ) from None
        elif event.tag in _EXPLICIT:
            if len(event.value) > MAX_INT_DIGITS and event.tag == _TAG + "int":
                raise self.fatal(
                    "number-too-large",
                    f"an integer of {len(event.value):,} characters",
                    span[0],
                    path or (),
                )
            try:
                value = _EXPLICIT[event.tag](event.value)
            except ValueError:
                raise self.fatal(
                    "yaml-tag", f"'{event.value}' is not a valid {event.tag}", span[0], path or ()
                ) from None
        else:
            raise self.fatal(
                "yaml-tag",
                f"unsupported tag {_short_tag(event.tag)}",
                span[0],
                path or (),
                hint="use plain YAML values; custom tags are not part of the format",
            )
        if path is None:  # a mapping key
            top = self.stack[-1]
            top.key, top.key_span = ("" if value is None else str(value)), span
            return
        if plain and event.value in _YAML11_BOOLEANS:
            self.error(
                "yaml11-boolean",
                f"'{event.value}' is the string \"{event.value}\" in YAML 1.2 (Roo Code) "
                "but a boolean in YAML 1.1 parsers such as PyYAML",
                span[0],
                path,
                hint=f"quote it ('{event.value}') or write true/false",
            )
        self.place(value, span, event.anchor, len(self.value_log))

    def start(self, event: yaml.CollectionStartEvent, container: dict[str, Any] | list[Any]) -> None:
        path = self.child_path()
        index = _start(event)
        is_key = path is None
        if path is None:
            parent = self.stack[-1].path
            self.error(
                "yaml-syntax", "a mapping key must be a plain value, not a list or mapping", index, parent
            )
            path = (*parent, "?")
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal("nesting-too-deep", f"nesting deeper than {MAX_DEPTH} levels", index, path)
        tags = _MAP_TAGS if isinstance(container, dict) else _SEQ_TAGS
        if event.tag not in tags:
            raise self.fatal("yaml-tag", f"unsupported tag {_short_tag(event.tag)}", index, path)
        self.stack.append(_Frame(path, container, index, event.anchor, len(self.value_log), is_key=is_key))

    def end(self, event: yaml.CollectionEndEvent) -> None:
        frame = self.stack.pop()
        span = (frame.start, _end(event))
        if frame.is_key:  # already reported; its value is read and dropped
            nodes = len(self.value_log) - frame.log_start + 1
            del self.value_log[frame.log_start :]
            # Anchors inside the key stay usable (valid YAML), without positions.
            for name, (value, lo, _hi, count) in list(self.anchors.items()):
                if lo >= frame.log_start:
                    self.anchors[name] = (value, -1, -1, count)
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (frame.container, -1, -1, nodes)
            self.stack[-1].key, self.stack[-1].key_span, self.stack[-1].key_ok = "?", span, False
            return
        self.place(frame.container, span, frame.anchor, frame.log_start)

    def alias(self, event: yaml.AliasEvent) -> None:
        path = self.child_path()
        index = _start(event)
        if event.anchor not in self.anchors:
            raise self.fatal(
                "yaml-syntax", f"alias *{event.anchor} refers to no anchor above it", index, path or ()
            )
        value, lo, hi, nodes = self.anchors[event.anchor]
        # Every expansion counts, mapping keys included: a key is expanded too.
        self.alias_nodes += max(nodes, 1)
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.fatal(
                "yaml-alias-limit",
                f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes",
                index,
                path or (),
                hint="this looks like an entity-expansion attack; "
                "write the values out or use fewer nested aliases",
            )
        if path is None:  # an alias used as a mapping key
            top = self.stack[-1]
            if isinstance(value, (dict, list)):
                self.error(
                    "yaml-syntax",
                    "a mapping key must be a plain value, not a list or mapping",
                    index,
                    top.path,
                )
                top.key, top.key_span, top.key_ok = "?", (index, _end(event)), False
            else:
                top.key, top.key_span = ("" if value is None else str(value)), (index, _end(event))
            return
        if lo >= 0 and hi > lo:
            base = self.value_log[hi - 1][0]
            copied = [((*path, *p[len(base) :]), s) for p, s in self.value_log[lo : hi - 1]]
            self.value_log.extend(copied)
        self.place(value, (index, _end(event)), None, len(self.value_log))


def _build(parser: Any, builder: _Builder) -> None:
    """Every event of one document into the builder; a second document is fatal."""
    documents = 0
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.ScalarEvent):
            builder.scalar(event)
        elif isinstance(event, yaml.MappingStartEvent):
            builder.start(event, {})
        elif isinstance(event, yaml.SequenceStartEvent):
            builder.start(event, [])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            builder.end(event)
        elif isinstance(event, yaml.AliasEvent):
            builder.alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise builder.fatal(
                    "yaml-multiple-documents",
                    "a second YAML document starts here; expected exactly one",
                    _start(event),
                    (),
                    hint="remove the '---' separator or split the file",
                )
        elif isinstance(event, yaml.StreamEndEvent):
            return


def _marked(exc: yaml.MarkedYAMLError, builder: _Builder, source: SourceText) -> LoadFailed:
    """A parser error as the finding a user can act on: a tab, nesting, or the syntax error."""
    mark = exc.problem_mark
    index = mark.index if mark is not None else 0
    problem = exc.problem or "invalid YAML"
    if index < len(source.text) and source.text[index] == "\t":
        return builder.fatal(
            "yaml-tab",
            "tab character used for indentation",
            index,
            (),
            hint="YAML indents with spaces only; replace the tab",
        )
    if "nesting depth" in problem:  # libyaml (PyYAML 6.0.3+) refuses deep nesting itself
        return builder.fatal("nesting-too-deep", f"nesting deeper than {MAX_DEPTH} levels", index, ())
    context = f" ({exc.context})" if exc.context else ""
    return builder.fatal("yaml-syntax", f"{problem}{context}", index, ())


def load_yaml(source: SourceText, parser_factory: Callable[[str], Any] = event_parser) -> Document:
    """Parse one YAML document; raise LoadFailed on fatal problems.

    Non-fatal findings (duplicate keys, YAML 1.1 booleans) are in ``findings``.
    """
    builder = _Builder(source)
    parser: Any = None
    try:
        parser = parser_factory(source.text)  # the pure-Python reader checks characters here
        _build(parser, builder)
    except yaml.reader.ReaderError as exc:
        raise builder.fatal(
            "yaml-syntax",
            f"character #x{exc.character:04x} is not allowed in YAML",
            exc.position,
            (),
            hint="remove the control character",
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise _marked(exc, builder, source) from None
    finally:
        if parser is not None and hasattr(parser, "dispose"):
            parser.dispose()
    return Document(
        source=source,
        format="yaml",
        data=builder.root,
        value_spans=dict(builder.value_log),
        key_spans=builder.key_spans,
        findings=list(builder.diagnostics),
        dropped=builder.diagnostics.dropped,
    )
