"""``hybridctl validate``: find the files, load them, check schema then meaning."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from hybridctl.config.diagnostics import RULES, Diagnostic, Severity
from hybridctl.config.document import (
    DEFAULT_MAX_FILE_BYTES,
    Document,
    LoadFailed,
    SourceText,
    read_source,
)
from hybridctl.errors import UsageError

KINDS = ("modes", "model-config")
MODES_NAMES = ("modes.yml", "modes.yaml", ".roomodes", "custom_modes.yaml", "custom_modes.yml")
MODEL_CONFIG_NAMES = ("model-config.json", "model-config.yml", "model-config.yaml")


class ValidateRequest(NamedTuple):
    paths: tuple[Path, ...]
    kind: str | None = None
    strict: bool = False
    ignore: frozenset[str] = frozenset()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


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

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not (self.strict and self.warnings)

    def to_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "ok": self.ok,
            "strict": self.strict,
            "summary": {"files": len(self.files), "errors": self.errors, "warnings": self.warnings},
            "files": [
                {
                    "path": f.path,
                    "kind": f.kind,
                    "format": f.format,
                    "errors": sum(
                        d.file == f.path and d.severity is Severity.ERROR for d in self.diagnostics
                    ),
                    "warnings": sum(
                        d.file == f.path and d.severity is Severity.WARNING for d in self.diagnostics
                    ),
                }
                for f in self.files
            ],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "notes": self.notes,
        }


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, as CI annotations need."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def kind_by_name(path: Path) -> str | None:
    name = path.name.lower()
    if (
        name in MODES_NAMES
        or name.endswith(".roomodes")
        or ("modes" in name and name.endswith((".yml", ".yaml")))
    ):
        return "modes"
    if name in MODEL_CONFIG_NAMES or "model-config" in name:
        return "model-config"
    return None


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yml", ".yaml"):
        return "yaml"
    return "json" if text.lstrip()[:1] == "{" else "yaml"


def _kind_by_content(document: Document) -> str | None:
    data = document.data
    if isinstance(data, dict):
        if "customModes" in data:
            return "modes"
        if "models" in data or "roles" in data:
            return "model-config"
    return None


def _targets(request: ValidateRequest) -> list[list[tuple[Path, str | None]]]:
    """Groups of (file, kind) checked together; a directory is one group."""
    groups: list[list[tuple[Path, str | None]]] = []
    loose: list[tuple[Path, str | None]] = []
    seen: set[Path] = set()
    for path in request.paths:
        if not path.exists():
            raise UsageError(
                f"no such file or directory: {path}",
                hint="pass a config directory or a modes / model-config file",
            )
        if path.is_dir():
            found = [(path / n, "modes") for n in MODES_NAMES if (path / n).is_file()][:1]
            found += [(path / n, "model-config") for n in MODEL_CONFIG_NAMES if (path / n).is_file()][:1]
            if not found:
                raise UsageError(
                    f"{path} holds no modes.yml, .roomodes or model-config.json",
                    hint="run hybridctl init to create a config directory, or pass files",
                )
            fresh = [(p, k) for p, k in found if p.resolve() not in seen]
            seen.update(p.resolve() for p, _ in fresh)
            if fresh:
                groups.append([(p, request.kind or k) for p, k in fresh])
        elif path.resolve() not in seen:
            seen.add(path.resolve())
            loose.append((path, request.kind or kind_by_name(path)))
    if loose:
        groups.append(loose)
    return groups


def validate(request: ValidateRequest) -> ValidationResult:
    from hybridctl.config.model import Strategy
    from hybridctl.config.rules import ConfigSet, run_rules
    from hybridctl.config.schema import load_schema

    if request.kind is not None and request.kind not in KINDS:
        raise UsageError(f"unknown kind '{request.kind}'", hint="use --kind modes or --kind model-config")
    unknown_rules = sorted(request.ignore - RULES.keys())
    if unknown_rules:
        raise UsageError(
            f"unknown rule id(s) to ignore: {', '.join(unknown_rules)}",
            hint="hybridctl validate --list-rules shows them",
        )
    files: list[CheckedFile] = []
    diagnostics: list[Diagnostic] = []
    documents: dict[str, Document] = {}
    notes: list[str] = []
    for group in _targets(request):
        configs = ConfigSet()
        loaded: list[tuple[str, Document]] = []
        for path, kind in group:
            shown = display_path(path)
            try:
                source = read_source(path, shown, request.max_file_bytes)
                fmt = _format_of(path, source.text)
                document = _load(source, fmt)
            except LoadFailed as failure:
                diagnostics.extend(failure.diagnostics)
                files.append(CheckedFile(shown, kind or "unknown", None))
                continue
            diagnostics.extend(document.findings)
            kind = kind or _kind_by_content(document)
            if kind is None:
                raise UsageError(
                    f"cannot tell whether {shown} is a modes file or a model config",
                    hint="pass --kind modes or --kind model-config",
                )
            files.append(CheckedFile(shown, kind, fmt))
            documents[shown] = document
            loaded.append((kind, document))
        pair = len(loaded) == 2 and {k for k, _ in loaded} == set(KINDS)
        for kind, document in loaded:
            issues = load_schema(kind).validate(document.data)
            diagnostics.extend(
                document.diag(i.rule, i.message, i.path, key=i.at_key, hint=i.hint) for i in issues
            )
            single = configs if pair else ConfigSet()
            if kind == "modes":
                single.modes = document
            else:
                single.model_config = document
                if issues:
                    notes.append(
                        f"{document.display}: model, fallback, escalation and cross-file checks "
                        "run once its schema errors are fixed"
                    )
                else:
                    single.strategy = Strategy.from_dict(document.data)
            if not pair:
                diagnostics.extend(run_rules(single))
        if pair:
            diagnostics.extend(run_rules(configs))
    kept = sorted((d for d in diagnostics if d.rule not in request.ignore), key=Diagnostic.sort_key)
    return ValidationResult(
        files=files, diagnostics=kept, strict=request.strict, notes=notes, documents=documents
    )


def _load(source: SourceText, fmt: str) -> Document:
    if fmt == "json":
        from hybridctl.config.jsonload import load_json

        return load_json(source)
    from hybridctl.config.yamlload import load_yaml

    return load_yaml(source)


def validate_snapshot(
    files: dict[str, bytes], label: str, ignore: frozenset[str] = frozenset()
) -> ValidationResult:
    """Validate files that exist only in memory (a stored snapshot); findings are
    shown as ``label/name``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hybridctl-") as temp:
        for name, data in files.items():
            (Path(temp) / name).write_bytes(data)
        result = validate(ValidateRequest(paths=(Path(temp),), ignore=ignore))
        prefix = display_path(Path(temp))

    def relabel(path: str) -> str:
        return label + path[len(prefix) :] if path.startswith(prefix) else path

    return ValidationResult(
        files=[f._replace(path=relabel(f.path)) for f in result.files],
        diagnostics=[d._replace(file=relabel(d.file)) for d in result.diagnostics],
        notes=[relabel(note) for note in result.notes],
    )
