"""What the rules share: the modes of a modes file, where a value sits in its
file, a number as messages show it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hybridctl.config.diagnostics import Diagnostic
from hybridctl.config.document import Document, JsonPath
from hybridctl.text import show_value


def modes_of(document: Document) -> Iterator[tuple[int, dict[str, Any]]]:
    modes = document.data.get("customModes") if isinstance(document.data, dict) else None
    if isinstance(modes, list):
        for index, mode in enumerate(modes):
            if isinstance(mode, dict):
                yield index, mode


def group_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, list) and entry and isinstance(entry[0], str):
        return entry[0]
    return None


def walk_strings(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str | None, str]]:
    """(path, key that holds it, string) for every string value in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield (*path, key), key, item
            else:
                yield from walk_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield (*path, index), None, item
            else:
                yield from walk_strings(item, (*path, index))


def locate_in_value(document: Document, path: JsonPath, needle: str) -> tuple[int, int]:
    """Line and column of text inside a (possibly multi-line) value, else of the value."""
    return ValueFinder(document, path).find(needle)


class ValueFinder:
    """Finds words in the raw text of one value, in order: each search starts
    where the last one ended, so locating every mention costs one pass."""

    def __init__(self, document: Document, path: JsonPath) -> None:
        self.document = document
        self.path = path
        span = document.value_spans.get(path)
        self.start = span[0] if span else 0
        self.raw = document.source.text[span[0] : span[1]].lower() if span else None
        self.offset = 0

    def find(self, needle: str) -> tuple[int, int]:
        if self.raw is not None:
            found = self.raw.find(needle.lower(), self.offset)
            if found < 0:
                found = self.raw.find(needle.lower())
            if found >= 0:
                self.offset = found + len(needle)
                return self.document.source.position(self.start + found)
        return self.document.locate(self.path)


def at(
    document: Document,
    rule: str,
    message: str,
    path: JsonPath,
    line_col: tuple[int, int],
    hint: str | None = None,
) -> Diagnostic:
    return document.diag(rule, message, path, hint=hint)._replace(line=line_col[0], column=line_col[1])


def fmt(value: float) -> str:
    try:
        return f"{value:g}"
    except OverflowError:  # an integer too large for a float
        return show_value(value)
