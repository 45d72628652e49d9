"""Escalation, as commands use it: the working strategy, and a task context
read from a file or inline JSON with its positions (a field of the wrong type
is an error at its line and column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hybridctl.config.document import Document, LoadFailed, SourceText, read_source
from hybridctl.config.escalation import context_problems
from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles, load_document
from hybridctl.errors import UsageError
from hybridctl.store.setup import Setup


def working_strategy(setup: Setup) -> Strategy:
    """The typed strategy of the config directory; refused when it does not validate."""
    strategy = ConfigFiles.from_mapping(setup.read_configs()).strategy()
    if strategy is None:
        raise UsageError(
            f"the model config in {setup.config_dir} does not validate", hint="hybridctl validate shows why"
        )
    return strategy


def _context(value: str) -> tuple[dict[str, Any], Document]:
    """The task context, inline JSON or a JSON/YAML file, with its document for positions."""
    inline = value.lstrip().startswith("{")
    try:
        source = (
            SourceText(Path("context.json"), "--context", value)
            if inline
            else read_source(Path(value), value)
        )
        document = load_document(source)
    except OSError as exc:
        raise UsageError(
            f"cannot read --context {value}: {exc.strerror}", hint="a JSON or YAML file, or inline JSON"
        ) from None
    except LoadFailed as exc:
        first = exc.args[0][0] if exc.args and exc.args[0] else None
        where = (
            f"{first.file}:{first.line}:{first.column}: {first.message}" if first is not None else str(exc)
        )
        raise UsageError(f"--context is not JSON or YAML: {where}") from None
    if not isinstance(document.data, dict):
        raise UsageError(f"{source.display}:1:1: a task context is an object of fields")
    return document.data, document


def task_context(value: str) -> dict[str, Any]:
    """A task context from --context, its field types checked: exit 2 at the
    position of the first field of the wrong type."""
    data, document = _context(value)
    problems = context_problems(data)
    if problems:
        line, column = document.locate((problems[0].field,))
        raise UsageError(f"{document.display}:{line}:{column}: {problems[0].message}")
    return data
