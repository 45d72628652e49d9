"""Locate the schemas and default configs shipped with hybridctl.

A wheel carries them under ``hybridctl/data/`` (see pyproject's force-include);
a source checkout or editable install reads the top-level ``schemas/`` and
``configs/`` directories directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from hybridctl.errors import UsageError

DataKind = Literal["schemas", "configs"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(kind: DataKind) -> Path:
    for candidate in (_PACKAGE_DIR / "data" / kind, _PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise UsageError(
        f"hybridctl's {kind} directory is missing from this installation",
        hint="reinstall hybridctl (pip install --force-reinstall hybridctl)",
    )


def schema_path(name: str) -> Path:
    return data_dir("schemas") / f"{name}.schema.json"


def default_config_dir() -> Path:
    return data_dir("configs")
