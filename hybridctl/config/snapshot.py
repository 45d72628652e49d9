"""A set of config files, on disk or held in memory (a stored revision), read
one way: the same names, the same format detection and the same loaders
(with positions) for validate, diff, rollout and pricing.

A setup's config directory holds a modes file and a model config, both
required, and optionally ``prices.json``, the price overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hybridctl.config.catalog import Catalog
from hybridctl.config.document import Document, LoadFailed, SourceText, decode_source
from hybridctl.config.jsonload import load_json
from hybridctl.config.model import Pricing, Strategy
from hybridctl.config.schema import load_schema

Kind = Literal["modes", "model-config", "prices", "litellm", "evals"]
# litellm: a LiteLLM proxy config, checked on request; never part of a config directory.
# evals: an eval suite (evals/*.yml in a config directory), never part of a snapshot.
KINDS: tuple[Kind, ...] = ("modes", "model-config", "prices", "litellm", "evals")
REQUIRED_KINDS: tuple[Kind, ...] = ("modes", "model-config")
MODES_NAMES = ("modes.yml", "modes.yaml", ".roomodes", "custom_modes.yaml", "custom_modes.yml")
MODEL_CONFIG_NAMES = ("model-config.json", "model-config.yml", "model-config.yaml")
PRICES_NAMES = ("prices.json",)
NAMES: dict[Kind, tuple[str, ...]] = {
    "modes": MODES_NAMES,
    "model-config": MODEL_CONFIG_NAMES,
    "prices": PRICES_NAMES,
}
DEFAULT_NAMES: dict[Kind, str] = {kind: names[0] for kind, names in NAMES.items()}


def kind_by_name(name: str) -> Kind | None:
    lowered = Path(name).name.lower()
    if (
        lowered in MODES_NAMES
        or lowered.endswith(".roomodes")
        or ("modes" in lowered and lowered.endswith((".yml", ".yaml")))
    ):
        return "modes"
    if lowered in MODEL_CONFIG_NAMES or "model-config" in lowered:
        return "model-config"
    if lowered in PRICES_NAMES:
        return "prices"
    if "litellm" in lowered and lowered.endswith((".yml", ".yaml")):
        return "litellm"
    return None


def kind_by_content(data: Any) -> Kind | None:
    if not isinstance(data, dict):
        return None
    if "customModes" in data:
        return "modes"
    if "roles" in data or "strategy" in data:
        return "model-config"
    if "model_list" in data:
        return "litellm"
    if "cases" in data:
        return "evals"
    models = data.get("models")
    if isinstance(models, dict) and models:
        # A price overrides entry is only prices; a catalog entry names its provider.
        entries = [entry for entry in models.values() if isinstance(entry, dict)]
        return "prices" if entries and not any("provider" in e for e in entries) else "model-config"
    return None


def format_of(name: str, text: str) -> Literal["yaml", "json"]:
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yml", ".yaml"):
        return "yaml"
    return "json" if text.lstrip()[:1] == "{" else "yaml"


def load_document(source: SourceText) -> Document:
    """Parse one file with positions; raises LoadFailed with its findings."""
    if format_of(source.path.name, source.text) == "json":
        return load_json(source)
    from hybridctl.config.yamlload import load_yaml  # PyYAML: ~11 ms, not paid for JSON files

    return load_yaml(source)


def managed_names(names: Iterable[str]) -> dict[Kind, str]:
    """The file of each kind among ``names``: the first in each kind's order of names."""
    present = set(names)
    found: dict[Kind, str] = {}
    for kind, candidates in NAMES.items():
        for candidate in candidates:
            if candidate in present:
                found[kind] = candidate
                break
    return found


@dataclass
class ConfigFiles:
    """The managed config files of one snapshot, by name."""

    files: dict[str, bytes]
    label: str = ""  # shown before each name in findings: "configs", "r5"
    _documents: dict[str, Document | LoadFailed] = field(default_factory=dict, repr=False)

    @classmethod
    def from_mapping(cls, files: Mapping[str, bytes], label: str = "") -> ConfigFiles:
        kept = managed_names(files)
        return cls({name: files[name] for name in kept.values()}, label)

    def display(self, name: str) -> str:
        return f"{self.label}/{name}" if self.label else name

    @property
    def names(self) -> dict[Kind, str]:
        return managed_names(self.files)

    def missing(self) -> list[Kind]:
        return [kind for kind in REQUIRED_KINDS if kind not in self.names]

    def document(self, kind: Kind) -> Document | LoadFailed | None:
        name = self.names.get(kind)
        if name is None:
            return None
        if name not in self._documents:
            try:
                source = decode_source(self.files[name], Path(name), self.display(name))
                self._documents[name] = load_document(source)
            except LoadFailed as failure:
                self._documents[name] = failure
        return self._documents[name]

    def data(self, kind: Kind) -> Any:
        """The parsed data of a kind's file; None when absent or unreadable."""
        document = self.document(kind)
        return document.data if isinstance(document, Document) else None

    def strategy(self, *, trusted: bool = False) -> Strategy | None:
        """The typed strategy, when the model config passes its schema;
        ``trusted``: a verdict recorded for these very bytes says it does."""
        data = self.data("model-config")
        if isinstance(data, dict) and (trusted or load_schema("model-config").is_valid(data)):
            return Strategy.from_dict(data)
        return None

    def catalog(self) -> Catalog:
        """The resolver of model names to this snapshot's models and prices."""
        return Catalog(self.strategy(), self.price_overrides())

    def price_overrides(self) -> dict[str, Pricing]:
        """The price overrides file's prices; nothing when absent or invalid."""
        data = self.data("prices")
        if data is None or not load_schema("prices").is_valid(data):
            return {}
        return {name: Pricing.from_dict(entry) for name, entry in data["models"].items()}
