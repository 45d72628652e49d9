"""``hybridctl validate``: find the files, load them, check schema then meaning.

Files come from disk (paths and config directories) or from memory (a stored
revision about to be served); both go through the same loaders and checks.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl import __version__
from hybridctl.config.diagnostics import RULES, Diagnostic, Severity, diagnostic
from hybridctl.config.document import (
    DEFAULT_MAX_FILE_BYTES,
    MAX_KEPT_FINDINGS,
    Document,
    Dropped,
    LoadFailed,
    SourceText,
    decode_source,
    read_source,
)
from hybridctl.config.model import Strategy
from hybridctl.config.rules import ConfigSet, run_rules
from hybridctl.config.schema import load_schema
from hybridctl.config.snapshot import (
    DEFAULT_NAMES,
    KINDS,
    NAMES,
    REQUIRED_KINDS,
    Kind,
    format_of,
    kind_by_content,
    kind_by_name,
    load_document,
    managed_names,
)
from hybridctl.errors import CheckFailed, UsageError

DEFAULT_MAX_FINDINGS = 100  # per file, in every output format
CHECKED_BY = f"hybridctl {__version__}"


class ValidateRequest(NamedTuple):
    paths: tuple[Path, ...]
    kind: str | None = None
    strict: bool = False
    ignore: frozenset[str] = frozenset()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    schema_dir: Path | None = None  # the team's own schemas, extending the shipped ones


class CheckedFile(NamedTuple):
    path: str
    kind: str
    format: str | None  # None when the file could not be read


@dataclass
class ValidationResult:
    files: list[CheckedFile]
    diagnostics: list[Diagnostic]
    strict: bool = False
    notes: list[str] = field(default_factory=list)  # checks that could not run, and why
    documents: dict[str, Document] = field(default_factory=dict, repr=False)
    dropped: Dropped = field(default_factory=Counter)  # findings counted but not kept

    def count(self, severity: Severity, file: str | None = None) -> int:
        """Findings of a severity (in one file), the ones not kept included."""
        kept = sum(d.severity is severity and file in (None, d.file) for d in self.diagnostics)
        return kept + sum(n for (f, s), n in self.dropped.items() if s is severity and file in (None, f))

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings)

    def summary(self) -> dict[str, Any]:
        """What a record keeps of a validation: verdict and counts."""
        return {"ok": self.errors == 0, "errors": self.errors, "warnings": self.warnings}


class InvalidConfig(CheckFailed):
    """Configs refused because they do not validate; the findings say why."""

    def __init__(self, message: str, report: ValidationResult, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, as CI annotations need."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


class _Entry(NamedTuple):
    """One file to check: on disk (``path``) or in memory (``data``)."""

    display: str
    kind: str | None
    path: Path
    data: bytes | None = None

    def source(self, max_bytes: int) -> SourceText:
        if self.data is None:
            return read_source(self.path, self.display, max_bytes)
        return decode_source(self.data, self.path, self.display, max_bytes)


class _Group(NamedTuple):
    """Files checked together (the cross-file rules see all of them)."""

    entries: list[_Entry]
    missing: list[Diagnostic]  # required files a config directory lacks


def _missing(directory_display: str, present: set[str]) -> list[Diagnostic]:
    found = []
    for kind in REQUIRED_KINDS:
        if kind not in present:
            names = " or ".join(NAMES[kind][:2])
            found.append(
                diagnostic(
                    "missing-file",
                    f"the config directory has no {kind} file ({names})",
                    file=directory_display,
                    hint=f"add {DEFAULT_NAMES[kind]} (hybridctl init creates both), or restore a backup",
                )
            )
    return found


def _directory_group(path: Path, kind: str | None) -> _Group | None:
    names = managed_names(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else {}
    if not names:
        raise UsageError(
            f"{path} holds no modes.yml, .roomodes or model-config.json",
            hint="run hybridctl init to create a config directory, or pass files",
        )
    entries = [_Entry(display_path(path / name), kind or k, path / name) for k, name in names.items()]
    suites = path / "evals"
    if kind is None and suites.is_dir():  # the eval suites beside the configs
        found = sorted(
            p for p in suites.iterdir() if p.is_file() and p.suffix.lower() in (".yml", ".yaml", ".json")
        )
        entries += [_Entry(display_path(p), "evals", p) for p in found]
    return _Group(entries, _missing(display_path(path), set(names)))


def _targets(request: ValidateRequest) -> Iterator[_Group]:
    """Groups of files checked together; a directory is one group."""
    loose: list[_Entry] = []
    seen: set[Path] = set()
    for path in request.paths:
        if not path.exists():
            raise UsageError(
                f"no such file or directory: {path}",
                hint="pass a config directory or a modes / model-config file",
            )
        if path.is_dir():
            group = _directory_group(path, request.kind)
            if group is None:
                continue
            fresh = [e for e in group.entries if e.path.resolve() not in seen]
            seen.update(e.path.resolve() for e in fresh)
            if fresh:
                yield group._replace(entries=fresh)
        elif path.resolve() not in seen:
            seen.add(path.resolve())
            loose.append(_Entry(display_path(path), request.kind or kind_by_name(path.name), path))
    if loose:
        yield _Group(loose, [])


def validate(request: ValidateRequest) -> ValidationResult:
    """Validate files and config directories on disk."""
    if request.kind is not None and request.kind not in KINDS:
        raise UsageError(
            f"unknown kind '{request.kind}'",
            hint="use --kind modes, --kind model-config, --kind prices, --kind litellm or --kind evals",
        )
    _check_ignore(request.ignore)
    return _check(list(_targets(request)), request)


def validate_snapshot(
    files: Mapping[str, bytes],
    label: str,
    ignore: frozenset[str] = frozenset(),
    schema_dir: Path | None = None,
) -> ValidationResult:
    """Validate config files that exist only in memory (a stored revision);
    findings are shown as ``label/name``."""
    names = managed_names(files)
    entries = [_Entry(f"{label}/{name}", kind, Path(name), files[name]) for kind, name in names.items()]
    request = ValidateRequest(paths=(), ignore=ignore, schema_dir=schema_dir)
    return _check([_Group(entries, _missing(label, set(names)))], request)


def _check_ignore(ignore: frozenset[str]) -> None:
    unknown_rules = sorted(ignore - RULES.keys())
    if unknown_rules:
        raise UsageError(
            f"unknown rule id(s) to ignore: {', '.join(unknown_rules)}",
            hint="hybridctl validate --list-rules shows them",
        )


def _alone(loaded: list[tuple[Kind, Document]]) -> list[str]:
    """The note for a modes file or a model config checked without the other."""
    alone = [(kind, document.display) for kind, document in loaded if kind in ("modes", "model-config")]
    if not alone:
        return []
    other = "its model config" if alone[0][0] == "modes" else "its modes file"
    return [
        f"{', '.join(display for _, display in alone)}: checked without {other}; the rules across "
        "the two files (roles and modes agree) did not run: validate the config directory, "
        "or both files together"
    ]


@dataclass
class _Findings:
    """What a validation has found so far, across every group of files."""

    files: list[CheckedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dropped: Dropped = field(default_factory=Counter)


def _load(group: _Group, request: ValidateRequest, found: _Findings) -> list[tuple[Kind, Document]]:
    """The group's files read and parsed, each with its kind; reading findings noted."""
    found.diagnostics.extend(group.missing)
    loaded: list[tuple[Kind, Document]] = []
    for entry in group.entries:
        try:
            source = entry.source(request.max_file_bytes)
            document = load_document(source)
        except LoadFailed as failure:
            found.diagnostics.extend(failure.diagnostics)
            found.files.append(CheckedFile(entry.display, entry.kind or "unknown", None))
            continue
        found.diagnostics.extend(document.findings)
        found.dropped.update(document.dropped)
        kind = entry.kind or kind_by_content(document.data)
        if kind is None:
            raise UsageError(
                f"cannot tell whether {entry.display} is a modes file, a model config or prices",
                hint="pass --kind modes, --kind model-config, --kind prices, --kind litellm or --kind evals",
            )
        found.files.append(CheckedFile(entry.display, kind, format_of(entry.path.name, source.text)))
        found.documents[entry.display] = document
        loaded.append((kind, document))  # type: ignore[arg-type]
    return loaded


def _check_group(loaded: list[tuple[Kind, Document]], request: ValidateRequest, found: _Findings) -> None:
    """Schema, then the rules: a modes file and a model config together when the
    group holds one of each (the cross-file rules need both), else each alone."""
    kinds = [kind for kind, _ in loaded]
    pair = kinds.count("modes") == 1 and kinds.count("model-config") == 1
    if not pair:
        found.notes.extend(_alone(loaded))
    together = ConfigSet()
    for kind, document in loaded:
        issues = load_schema(kind, request.schema_dir).validate(document.data, MAX_KEPT_FINDINGS)
        if len(issues) >= MAX_KEPT_FINDINGS:
            found.notes.append(
                f"{document.display}: the schema check stopped after {MAX_KEPT_FINDINGS:,} findings; "
                "fix these first"
            )
        found.diagnostics.extend(
            document.diag(i.rule, i.message, i.path, key=i.at_key, hint=i.hint) for i in issues
        )
        single = together if pair else ConfigSet()
        _place(single, kind, document, valid=not issues, notes=found.notes)
        if single is not together:
            found.diagnostics.extend(run_rules(single))
            found.dropped.update(single.dropped)
    if pair:
        found.diagnostics.extend(run_rules(together))
        found.dropped.update(together.dropped)


def _place(configs: ConfigSet, kind: Kind, document: Document, *, valid: bool, notes: list[str]) -> None:
    """A document in the set the rules see, by kind (a model config typed when schema-valid)."""
    if kind == "modes":
        configs.modes = document
    elif kind == "prices":
        configs.prices, configs.prices_valid = document, valid
    elif kind == "litellm":
        configs.litellm = document
    elif kind == "evals":
        return  # the schema says everything about a suite; eval run checks its roles
    else:
        configs.model_config = document
        if valid:
            configs.strategy = Strategy.from_dict(document.data)
        else:
            notes.append(
                f"{document.display}: model, fallback, escalation and cross-file checks "
                "run once its schema errors are fixed"
            )


def _check(groups: list[_Group], request: ValidateRequest) -> ValidationResult:
    found = _Findings()
    for group in groups:
        _check_group(_load(group, request, found), request, found)
    files, diagnostics, documents, notes, dropped = (
        found.files,
        found.diagnostics,
        found.documents,
        found.notes,
        found.dropped,
    )
    if dropped:
        notes.append(
            f"{sum(dropped.values()):,} more findings were counted but not kept "
            f"(each check keeps its first {MAX_KEPT_FINDINGS:,} per file)"
        )
    kept = sorted((d for d in diagnostics if d.rule not in request.ignore), key=Diagnostic.sort_key)
    return ValidationResult(
        files=files,
        diagnostics=kept,
        strict=request.strict,
        notes=notes,
        documents=documents,
        dropped=dropped,
    )
