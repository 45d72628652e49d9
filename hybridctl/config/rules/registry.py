"""The rule registry: the scopes a rule can be registered for, what the files
checked together are (ConfigSet), and running every rule over them. Each rule
module registers its rules, with the ids they report, as it is imported."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from hybridctl.config.diagnostics import Diagnostic, Rule, declare
from hybridctl.config.document import MAX_KEPT_FINDINGS, Document, Dropped
from hybridctl.config.model import Strategy


@dataclass
class ConfigSet:
    """The files checked together, and the typed strategy when it is schema-valid."""

    modes: Document | None = None
    model_config: Document | None = None
    strategy: Strategy | None = None
    prices: Document | None = None
    prices_valid: bool = False  # the price overrides file passes its schema
    litellm: Document | None = None  # a LiteLLM proxy config
    dropped: Dropped = dataclasses.field(default_factory=Counter)  # past each rule's MAX_KEPT_FINDINGS


ModesRule = Callable[[Document], Iterator[Diagnostic]]
StrategyRule = Callable[[Document, Strategy], Iterator[Diagnostic]]
PricesRule = Callable[[Document], Iterator[Diagnostic]]
CrossRule = Callable[[Document, Document, Strategy], Iterator[Diagnostic]]

# The scopes: which files a rule sees, and in what shape.
MODES: list[ModesRule] = []  # a modes file, any shape (rules check types as they go)
DOCUMENTS: list[ModesRule] = []  # any file, any shape
STRATEGY: list[StrategyRule] = []  # a schema-valid model config, typed
PRICES: list[PricesRule] = []  # a schema-valid prices.json
CROSS: list[CrossRule] = []  # the modes file and the model config together
LITELLM: list[ModesRule] = []  # a LiteLLM proxy config, any shape below its top

_F = TypeVar("_F")


def register(scope: list[_F], *declared: Rule) -> Callable[[_F], _F]:
    """Add a rule to a scope, declaring the ids it reports (with their severity
    and summary: ``validate --list-rules`` lists them, ``--ignore`` accepts them)."""

    def add(rule: _F) -> _F:
        for entry in declared:
            declare(entry)
        scope.append(rule)
        return rule

    return add


def run_rules(configs: ConfigSet) -> list[Diagnostic]:
    """Every rule's findings; each rule keeps its first MAX_KEPT_FINDINGS and counts
    the rest in ``configs.dropped``."""
    found: list[Diagnostic] = []

    def take(findings: Iterator[Diagnostic]) -> None:
        found.extend(islice(findings, MAX_KEPT_FINDINGS))
        for rest in findings:
            configs.dropped[(rest.file, rest.severity)] += 1

    for document in (configs.modes, configs.model_config, configs.prices, configs.litellm):
        if document is not None:
            for document_rule in DOCUMENTS:
                take(document_rule(document))
    if configs.modes is not None:
        for modes_rule in MODES:
            take(modes_rule(configs.modes))
    if configs.prices is not None and configs.prices_valid:
        for prices_rule in PRICES:
            take(prices_rule(configs.prices))
    if configs.litellm is not None and isinstance(configs.litellm.data, dict):
        for litellm_rule in LITELLM:
            take(litellm_rule(configs.litellm))
    if configs.model_config is not None and configs.strategy is not None:
        for strategy_rule in STRATEGY:
            take(strategy_rule(configs.model_config, configs.strategy))
        if configs.modes is not None:
            for cross_rule in CROSS:
                take(cross_rule(configs.modes, configs.model_config, configs.strategy))
    return found
