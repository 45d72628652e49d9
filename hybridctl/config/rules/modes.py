"""Rules of a modes file (Roo Code custom modes): slugs, tool groups, fileRegex."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document
from hybridctl.config.rules.helpers import group_name, modes_of
from hybridctl.config.rules.registry import MODES, register

_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def compile_js_regex(pattern: str) -> re.Pattern[str]:
    """Compile a JavaScript RegExp source with Python's re; named groups differ."""
    return re.compile(_NAMED_GROUP.sub("(?P<", pattern))


@register(
    MODES,
    Rule("duplicate-slug", ERROR, "Two modes share a slug."),
)
def duplicate_slug(document: Document) -> Iterator[Diagnostic]:
    first: dict[str, int] = {}
    for index, mode in modes_of(document):
        slug = mode.get("slug")
        if not isinstance(slug, str):
            continue
        if slug in first:
            line = document.locate(("customModes", first[slug], "slug"))[0]
            yield document.diag(
                "duplicate-slug",
                f"slug '{slug}' is already used by the mode on line {line}",
                ("customModes", index, "slug"),
                hint="Roo Code refuses files with duplicate slugs",
            )
        else:
            first[slug] = index


@register(
    MODES,
    Rule("duplicate-group", ERROR, "A mode lists the same tool group twice."),
)
def duplicate_group(document: Document) -> Iterator[Diagnostic]:
    for index, mode in modes_of(document):
        groups = mode.get("groups")
        if not isinstance(groups, list):
            continue
        seen: set[str] = set()
        for position, entry in enumerate(groups):
            name = group_name(entry)
            if name is None:
                continue
            if name in seen:
                yield document.diag(
                    "duplicate-group",
                    f"group '{name}' is listed twice in mode '{mode.get('slug', index)}'",
                    ("customModes", index, "groups", position),
                    hint="merge the entries; Roo Code refuses duplicate groups",
                )
            seen.add(name)


@register(
    MODES,
    Rule("invalid-file-regex", ERROR, "A group's fileRegex does not compile."),
)
def invalid_file_regex(document: Document) -> Iterator[Diagnostic]:
    for index, mode in modes_of(document):
        groups = mode.get("groups")
        for position, entry in enumerate(groups if isinstance(groups, list) else []):
            if not (isinstance(entry, list) and len(entry) > 1 and isinstance(entry[1], dict)):
                continue
            pattern = entry[1].get("fileRegex")
            if not isinstance(pattern, str):
                continue
            try:
                compile_js_regex(pattern)
            except (re.error, RecursionError, OverflowError, ValueError) as exc:
                why = {RecursionError: "it nests too deeply", OverflowError: "a repeat count is too large"}
                yield document.diag(
                    "invalid-file-regex",
                    f"fileRegex does not compile: {why.get(type(exc), exc)}",
                    ("customModes", index, "groups", position, 1, "fileRegex"),
                )


@register(
    MODES,
    Rule("deprecated-group", WARNING, "The 'browser' tool group is deprecated in Roo Code."),
)
def deprecated_group(document: Document) -> Iterator[Diagnostic]:
    for index, mode in modes_of(document):
        groups = mode.get("groups")
        for position, entry in enumerate(groups if isinstance(groups, list) else []):
            if group_name(entry) == "browser":
                yield document.diag(
                    "deprecated-group",
                    f"tool group 'browser' in mode '{mode.get('slug', index)}' is deprecated in Roo Code",
                    ("customModes", index, "groups", position),
                    hint="remove it; use an MCP browser server through the 'mcp' group",
                )
