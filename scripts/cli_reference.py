"""The command reference, generated from the Typer app: every command and
group, its usage line, its help, each option and argument with its default,
and its examples. An mkdocs hook (mkdocs.yml) puts it in the page holding
the marker, so the site's reference is always the ``--help`` of the build.

    python scripts/cli_reference.py > reference.md    # the same text, by hand
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer

MARKER = "<!-- hybridctl-cli-reference -->"
RICH_TAG = re.compile(r"\[/?(?:bold|dim|italic|cyan|green|red|yellow)\]")


# Typer builds click commands (its own copy of click since 0.28): they are read
# here by what they have, not by their class.
Command = Any


def commands() -> Iterator[tuple[str, Command, typer.Context]]:
    """(path, command, context) for every command and group, in the order help lists them."""
    from hybridctl.cli.main import build_app

    root = typer.main.get_command(build_app())
    yield from _walk(root, typer.Context(root, info_name="hybridctl"), "")


def _is_group(command: Command) -> bool:
    return hasattr(command, "list_commands")


def _walk(
    command: Command, context: typer.Context, path: str
) -> Iterator[tuple[str, Command, typer.Context]]:
    if path:
        yield path, command, context
    if _is_group(command):
        for name in command.list_commands(context):
            child = command.get_command(context, name)
            if child is not None and not child.hidden:
                child_path = f"{path} {name}".strip()
                yield from _walk(child, typer.Context(child, info_name=name, parent=context), child_path)


def _default(parameter: Any) -> str:
    shown = getattr(parameter, "show_default", None)
    if isinstance(shown, str):
        return shown
    value: Any = parameter.default
    if value is None or value is False or value == () or value == []:
        return ""
    if isinstance(value, Enum):
        value = value.value
    return f"`{value}`"


def _names(parameter: Any) -> str:
    if parameter.param_type_name == "argument":
        return f"`{parameter.metavar or (parameter.name or '').upper()}`".replace("|", "\\|")
    return ", ".join(f"`{name}`" for name in (*parameter.opts, *parameter.secondary_opts))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _parameters(command: Command, context: typer.Context) -> list[str]:
    rows = []
    for parameter in command.get_params(context):
        if parameter.name in ("help", "install_completion", "show_completion"):
            continue
        help_text = getattr(parameter, "help", None) or ""
        if hasattr(parameter.type, "choices"):
            help_text += " One of: " + ", ".join(f"`{choice}`" for choice in parameter.type.choices) + "."
        rows.append(f"| {_names(parameter)} | {_cell(help_text)} | {_cell(_default(parameter))} |")
    if not rows:
        return []
    return ["| option | meaning | default |", "|---|---|---|", *rows, ""]


def _examples(epilog: str | None) -> list[str]:
    if not epilog:
        return []
    lines = [RICH_TAG.sub("", line) for line in epilog.splitlines()]
    lines = [line for line in lines if line.strip() != "Examples"]
    while lines and not lines[0].strip():
        lines.pop(0)
    body = textwrap.dedent("\n".join(line.rstrip() for line in lines)).strip("\n")
    return ["Examples:", "", "```sh", body, "```", ""]


def section(path: str, command: Command, context: typer.Context) -> list[str]:
    level = "##" if " " not in path else "###"
    usage = " ".join(command.collect_usage_pieces(context))
    text = [f"{level} hybridctl {path}", "", "```", f"hybridctl {path} {usage}".rstrip(), "```", ""]
    help_text = RICH_TAG.sub("", command.help or "").strip()
    text += [help_text, ""] if help_text else []
    if _is_group(command):
        listed = [
            f"[`{name}`](#hybridctl-{path.replace(' ', '-')}-{name})"
            for name in command.list_commands(context)
        ]
        return [*text, "Commands: " + ", ".join(listed) + ".", ""]
    return text + _parameters(command, context) + _examples(command.epilog)


def reference() -> str:
    lines: list[str] = []
    for path, command, context in commands():
        lines += section(path, command, context)
    return "\n".join(lines).rstrip() + "\n"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """mkdocs hook: the reference in place of the marker."""
    return markdown.replace(MARKER, reference()) if MARKER in markdown else markdown


if __name__ == "__main__":
    sys.stdout.write(reference())
