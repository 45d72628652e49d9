"""JSON to data with positions and duplicate-key detection.

``json.loads`` (C) judges syntax and gives its well-known messages; a second
walk over the now-known-valid text records the span of every key and value,
which the standard library does not expose, and spots duplicate keys, which it
keeps silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.scanner import NUMBER_RE
from typing import Any, NoReturn

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

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# The C string scanner json.loads uses; typeshed does not declare it.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class _NumberTooLarge(Exception):
    pass


def _checked_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLarge(text)
    return int(text)


_LONG_INTEGER = re.compile(rf"-?[0-9]{{{MAX_INT_DIGITS + 1},}}")


def load_json(source: SourceText) -> Document:
    text = source.text
    try:
        json.loads(text, parse_constant=_reject_constant, parse_int=_checked_int)
    except _NumberTooLarge as exc:
        found = _LONG_INTEGER.search(text)
        raise _failure(
            source,
            "number-too-large",
            f"an integer of {len(str(exc.args[0])):,} digits; hybridctl reads integers of up to "
            f"{MAX_INT_DIGITS:,} digits",
            found.start() if found else 0,
        ) from None
    except json.JSONDecodeError as exc:
        before = text[: exc.pos].rstrip()
        hint = "JSON allows no trailing comma; remove it" if before.endswith(",") else None
        raise _failure(source, "json-syntax", exc.msg, exc.pos, hint=hint) from None
    except ValueError as exc:  # NaN / Infinity
        index = min((text.find(w) for w in ("NaN", "Infinity") if w in text), default=0)
        raise _failure(source, "json-syntax", str(exc), index) from None
    except RecursionError:
        raise _failure(source, "nesting-too-deep", f"nesting deeper than {MAX_DEPTH} levels", 0) from None
    walker = _Walker(source)
    data, _ = walker.value(walker.skip(0), (), 0)
    return Document(
        source=source,
        format="json",
        data=data,
        value_spans=walker.value_spans,
        key_spans=walker.key_spans,
        findings=list(walker.findings),
        dropped=walker.findings.dropped,
    )


def _failure(
    source: SourceText, rule: str, message: str, index: int, path: JsonPath = (), hint: str | None = None
) -> LoadFailed:
    line, column = source.position(index)
    return LoadFailed(
        [
            diagnostic(
                rule,
                message,
                file=source.display,
                line=line,
                column=column,
                json_path=format_path(path),
                hint=hint,
            )
        ]
    )


class _Walker:
    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.text = source.text
        self.value_spans: dict[JsonPath, tuple[int, int]] = {}
        self.key_spans: dict[JsonPath, tuple[int, int]] = {}
        self.findings = Findings()

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def value(self, index: int, path: JsonPath, depth: int) -> tuple[Any, int]:
        text = self.text
        char = text[index]
        value: Any
        if char in "{[" and depth >= MAX_DEPTH:
            raise _failure(
                self.source, "nesting-too-deep", f"nesting deeper than {MAX_DEPTH} levels", index, path
            )
        if char == "{":
            value, end = self.object(index, path, depth)
        elif char == "[":
            value, end = self.array(index, path, depth)
        elif char == '"':
            value, end = scanstring(text, index + 1)
        elif text.startswith("true", index):
            value, end = True, index + 4
        elif text.startswith("false", index):
            value, end = False, index + 5
        elif text.startswith("null", index):
            value, end = None, index + 4
        else:
            match = NUMBER_RE.match(text, index)
            assert match is not None  # json.loads accepted the text
            integer, fraction, exponent = match.groups()
            value = (
                float(integer + (fraction or "") + (exponent or "")) if fraction or exponent else int(integer)
            )
            end = match.end()
        self.value_spans[path] = (index, end)
        return value, end

    def object(self, start: int, path: JsonPath, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        index = self.skip(start + 1)
        if text[index] == "}":
            return result, index + 1
        while True:
            key, key_end = scanstring(text, index + 1)
            child = (*path, key)
            if key in first_seen:
                line, column = self.source.position(index)
                first_line = self.source.position(first_seen[key])[0]
                self.findings.add(
                    diagnostic(
                        "duplicate-key",
                        f"duplicate key '{key}' (first defined on line {first_line})",
                        file=self.source.display,
                        line=line,
                        column=column,
                        json_path=format_path(child),
                        hint="JSON parsers silently keep only the last one; remove or rename one",
                    )
                )
            else:
                first_seen[key] = index
            self.key_spans[child] = (index, key_end)
            index = self.skip(self.skip(key_end) + 1)  # past the colon
            result[key], index = self.value(index, child, depth + 1)
            index = self.skip(index)
            if text[index] == ",":
                index = self.skip(index + 1)
                continue
            return result, index + 1

    def array(self, start: int, path: JsonPath, depth: int) -> tuple[list[Any], int]:
        text = self.text
        result: list[Any] = []
        index = self.skip(start + 1)
        if text[index] == "]":
            return result, index + 1
        while True:
            item, index = self.value(index, (*path, len(result)), depth + 1)
            result.append(item)
            index = self.skip(index)
            if text[index] == ",":
                index = self.skip(index + 1)
                continue
            return result, index + 1
