"""Options shared by the commands, each declared once.

A command names the groups of options it takes as parameters annotated with
an option group (a NamedTuple marked ``@option_group``); ``@with_options``
spreads each group's fields into the command's signature for Typer, and
hands the command the group built from what was parsed, as check-jsonschema
hands its commands one parse-result object. So ``--config-dir``, ``--json``
or the report options are written here once, and read the same everywhere.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TypeVar

import typer

if TYPE_CHECKING:
    from hybridctl.app.reports import UsageInput
    from hybridctl.app.workspace import Workspace
    from hybridctl.usage.reports import Window

_GROUPS: set[type] = set()
G = TypeVar("G", bound=type)
F = TypeVar("F", bound=Callable[..., None])


def option_group(cls: G) -> G:
    """Mark a NamedTuple as a group of options commands can take whole."""
    _GROUPS.add(cls)
    return cls


def with_options(command: F) -> F:
    """Spread each option-group parameter of ``command`` into its fields (in
    its place, so arguments keep their order; a group made of groups all the
    way down) and rebuild the group on a call."""
    hints = typing.get_type_hints(command, include_extras=True)
    builders: dict[str, Callable[[dict[str, Any]], Any]] = {}
    parameters: list[inspect.Parameter] = []
    for name, parameter in inspect.signature(command).parameters.items():
        hint = hints.get(name, parameter.annotation)
        if hint in _GROUPS:
            builders[name] = _spread(hint, parameters)
        else:
            parameters.append(parameter.replace(annotation=hint))

    @functools.wraps(command)
    def run(**parsed: Any) -> None:
        groups = {name: build(parsed) for name, build in builders.items()}
        command(**parsed, **groups)

    run.__signature__ = inspect.Signature(sorted(parameters, key=_positional_first))  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    del run.__wrapped__  # Typer must read the signature above, not the command's own
    return run  # type: ignore[return-value]


def _spread(group: Any, parameters: list[inspect.Parameter]) -> Callable[[dict[str, Any]], Any]:
    """Add the options of ``group`` to ``parameters``; return what builds it from the parsed values."""
    fields = typing.get_type_hints(group, include_extras=True)
    parts: dict[str, Callable[[dict[str, Any]], Any]] = {}
    for field in group._fields:
        if fields[field] in _GROUPS:
            parts[field] = _spread(fields[field], parameters)
            continue
        default = group._field_defaults.get(field, inspect.Parameter.empty)
        parameters.append(
            inspect.Parameter(
                field, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=fields[field]
            )
        )
        parts[field] = functools.partial(_take, field)
    return lambda parsed: group(**{field: build(parsed) for field, build in parts.items()})


def _take(field: str, parsed: dict[str, Any]) -> Any:
    return parsed.pop(field)


def _positional_first(parameter: inspect.Parameter) -> int:
    return 0 if parameter.kind is not inspect.Parameter.KEYWORD_ONLY else 1


# -- single options ----------------------------------------------------------------------

ConfigDir = Annotated[
    Path | None,
    typer.Option("--config-dir", "-c", help="The config directory.", show_default="configs/ or settings"),
]
StorePath = Annotated[
    Path | None,
    typer.Option("--store", help="The store (a git repository).", show_default="backups/ or settings"),
]
LockTimeout = Annotated[
    float | None,
    typer.Option("--lock-timeout", help="Seconds to wait for another hybridctl's lock.", show_default="10"),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (documented, versioned).")]


def _reason(value: str | None) -> str | None:
    """Refuse a blank reason (or one holding a secret) before anything runs: exit 2."""
    if value is None:
        return None
    from hybridctl.errors import UsageError
    from hybridctl.text import checked_reason

    try:
        return checked_reason(value)
    except UsageError as error:
        raise typer.BadParameter(error.message) from None


def output_path(value: Path | None) -> Path | None:
    """An option naming a file to write: refused at once when no file can be written there."""
    if value is None:
        return None
    from hybridctl.errors import UsageError
    from hybridctl.fsutil import check_output_path

    try:
        check_output_path(value)
    except UsageError as error:
        raise typer.BadParameter(error.message) from None
    return value


Reason = Annotated[str, typer.Option("--reason", "-r", help="Why: recorded in history.", callback=_reason)]
OptionalReason = Annotated[
    str | None, typer.Option("--reason", "-r", help="Why: recorded in history.", callback=_reason)
]
Usage = Annotated[
    list[Path] | None,
    typer.Option(
        "--usage",
        help="Usage files (as report reads them) the gates judge.",
        show_default="usage in settings",
    ),
]


def comma_list(*texts: str | None) -> list[str]:
    """The values of comma-separated options (``--roles a,b``, repeated ``--ignore``), trimmed."""
    return [part.strip() for text in texts if text for part in text.split(",") if part.strip()]


def ignored_rules() -> frozenset[str]:
    from hybridctl.app.settings import load_settings

    return frozenset(load_settings().ignore)


# -- option groups -----------------------------------------------------------------------


def _workspace(config_dir: Path | None, store: Path | None, lock_timeout: float | None) -> Workspace:
    from hybridctl.app.settings import load_settings
    from hybridctl.app.workspace import Workspace

    return Workspace.from_settings(
        load_settings(), config_dir=config_dir, store=store, lock_timeout=lock_timeout
    )


@option_group
class Configs(NamedTuple):
    """A command that reads the configs only."""

    config_dir: ConfigDir = None

    def workspace(self) -> Workspace:
        return _workspace(self.config_dir, None, None)


@option_group
class Place(NamedTuple):
    """A command that reads the configs and their store."""

    config_dir: ConfigDir = None
    store: StorePath = None

    def workspace(self) -> Workspace:
        return _workspace(self.config_dir, self.store, None)


@option_group
class Changing(NamedTuple):
    """A command that changes the store: it takes the lock."""

    config_dir: ConfigDir = None
    store: StorePath = None
    lock_timeout: LockTimeout = None

    def workspace(self) -> Workspace:
        return _workspace(self.config_dir, self.store, self.lock_timeout)


@option_group
class JsonOut(NamedTuple):
    as_json: Json = False


@option_group
class Delivered(NamedTuple):
    """A transition: printed, then delivered to the targets and hooks."""

    as_json: Json = False
    no_push: Annotated[
        bool, typer.Option("--no-push", help="Record the transition without pushing it to the targets.")
    ] = False


# -- usage reports -----------------------------------------------------------------------


class ReportFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class InputFormat(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"
    openrouter = "openrouter"
    litellm = "litellm"
    otlp = "otlp"
    otel = "otel"
    langfuse = "langfuse"
    helicone = "helicone"


@option_group
class UsageFiles(NamedTuple):
    """Usage inputs, as every report and check reads them."""

    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Usage files (JSONL, JSON, CSV, gzip), globs, or - for stdin. Default: usage in settings.",
            show_default=False,
        ),
    ] = None
    input_format: Annotated[InputFormat, typer.Option("--input-format", help="How to read the inputs.")] = (
        InputFormat.auto
    )
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first bad line.")] = False
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Usage where it lives, aggregated by its engine: postgresql://... (LiteLLM's spend logs), "
            "env:VAR (the URL in a variable), or a glob of Parquet, JSON or CSV files (DuckDB). Repeatable.",
        ),
    ] = None

    def read(self, caching: Caching | None = None) -> UsageInput:
        """What to read, as the report service takes it."""
        from hybridctl.app.reports import UsageInput

        use_cache = caching is None or not caching.no_cache
        inputs, databases = tuple(self.inputs or ()), tuple(self.sources or ())
        return UsageInput(inputs, self.input_format.value, self.strict, use_cache, databases)


@option_group
class Caching(NamedTuple):
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Read every event, ignoring the cache.")] = (
        False
    )


@option_group
class Pricing(NamedTuple):
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Price every request, ignoring recorded costs.")
    ] = False


@option_group
class TimeWindow(NamedTuple):
    since: Annotated[
        str | None, typer.Option("--since", help="From this time (ISO 8601; no offset: local time).")
    ] = None
    until: Annotated[str | None, typer.Option("--until", help="Before this time.")] = None

    def window(self) -> Window:
        from hybridctl.app.reports import parse_when
        from hybridctl.usage.reports import Window

        return Window(parse_when(self.since, "--since"), parse_when(self.until, "--until"))


@option_group
class ReportOutput(NamedTuple):
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ReportFormat.text
    )
    as_json: Annotated[
        bool, typer.Option("--json", help="Same as --format json (documented, versioned).")
    ] = False
    as_csv: Annotated[bool, typer.Option("--csv", help="Same as --format csv.")] = False
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Same as --format markdown.")] = False
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML page here.", callback=output_path),
    ] = None

    def format(self) -> str:
        """--format, or the one shortcut flag given."""
        from hybridctl.errors import UsageError

        chosen = self.output_format
        flags = [
            n
            for n, on in (("json", self.as_json), ("csv", self.as_csv), ("markdown", self.as_markdown))
            if on
        ]
        if len(flags) > 1 or (flags and chosen is not ReportFormat.text and chosen.value != flags[0]):
            given = [f"--{n}" for n in flags] + (
                [f"--format {chosen.value}"] if chosen is not ReportFormat.text else []
            )
            raise UsageError(f"choose one output format, not {' and '.join(given)}")
        return flags[0] if flags else chosen.value


@option_group
class UsageReport(NamedTuple):
    """What every priced usage report takes: its inputs, its output, pricing,
    caching and the config directory (whose prices it uses)."""

    files: UsageFiles
    output: ReportOutput
    pricing: Pricing
    caching: Caching
    configs: Configs

    def usage(self) -> UsageInput:
        return self.files.read(self.caching)
