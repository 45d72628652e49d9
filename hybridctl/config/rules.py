"""Semantic rules: what the schema cannot say, within a file and across the two files.

Each rule is a generator of diagnostics registered for a scope:
``modes`` and ``secrets`` rules tolerate schema-invalid data (they check types
as they go); ``strategy`` rules receive the typed model of a schema-valid
model-config.json; ``cross`` rules need both files.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar

from hybridctl.config import litellm
from hybridctl.config.diagnostics import Diagnostic
from hybridctl.config.document import MAX_KEPT_FINDINGS, Document, Dropped, JsonPath
from hybridctl.config.escalation import context_problems, run_cases
from hybridctl.config.model import Strategy
from hybridctl.secrets import ENV_REFERENCE, SECRET_KEY, find_secret, url_password
from hybridctl.text import did_you_mean, show_value


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

MODES_RULES: list[ModesRule] = []
DOCUMENT_RULES: list[ModesRule] = []  # any file, any shape
STRATEGY_RULES: list[StrategyRule] = []
PRICES_RULES: list[PricesRule] = []  # a schema-valid prices.json
CROSS_RULES: list[CrossRule] = []
LITELLM_RULES: list[ModesRule] = []  # a LiteLLM proxy config, any shape below its top

_F = TypeVar("_F")


def _register(registry: list[_F]) -> Callable[[_F], _F]:
    def add(rule: _F) -> _F:
        registry.append(rule)
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
            for document_rule in DOCUMENT_RULES:
                take(document_rule(document))
    if configs.modes is not None:
        for modes_rule in MODES_RULES:
            take(modes_rule(configs.modes))
    if configs.prices is not None and configs.prices_valid:
        for prices_rule in PRICES_RULES:
            take(prices_rule(configs.prices))
    if configs.litellm is not None and isinstance(configs.litellm.data, dict):
        for litellm_rule in LITELLM_RULES:
            take(litellm_rule(configs.litellm))
    if configs.model_config is not None and configs.strategy is not None:
        for strategy_rule in STRATEGY_RULES:
            take(strategy_rule(configs.model_config, configs.strategy))
        if configs.modes is not None:
            for cross_rule in CROSS_RULES:
                take(cross_rule(configs.modes, configs.model_config, configs.strategy))
    return found


# -- helpers -----------------------------------------------------------------------


def _modes(document: Document) -> Iterator[tuple[int, dict[str, Any]]]:
    modes = document.data.get("customModes") if isinstance(document.data, dict) else None
    if isinstance(modes, list):
        for index, mode in enumerate(modes):
            if isinstance(mode, dict):
                yield index, mode


def _group_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, list) and entry and isinstance(entry[0], str):
        return entry[0]
    return None


_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def compile_js_regex(pattern: str) -> re.Pattern[str]:
    """Compile a JavaScript RegExp source with Python's re; named groups differ."""
    return re.compile(_NAMED_GROUP.sub("(?P<", pattern))


def _walk_strings(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str | None, str]]:
    """(path, key that holds it, string) for every string value in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield (*path, key), key, item
            else:
                yield from _walk_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield (*path, index), None, item
            else:
                yield from _walk_strings(item, (*path, index))


def _locate_in_value(document: Document, path: JsonPath, needle: str) -> tuple[int, int]:
    """Line and column of text inside a (possibly multi-line) value, else of the value."""
    return _ValueFinder(document, path).find(needle)


class _ValueFinder:
    """Finds words in the raw text of one value, in order: each search starts
    where the last one ended, so locating every mention costs one pass."""

    def __init__(self, document: Document, path: JsonPath) -> None:
        self.document = document
        self.path = path
        span = document.value_spans.get(path)
        self.start = span[0] if span else 0
        self.raw = document.source.text[span[0] : span[1]].lower() if span else None
        self.offset = 0

    def find(self, needle: str) -> tuple[int, int]:
        if self.raw is not None:
            found = self.raw.find(needle.lower(), self.offset)
            if found < 0:
                found = self.raw.find(needle.lower())
            if found >= 0:
                self.offset = found + len(needle)
                return self.document.source.position(self.start + found)
        return self.document.locate(self.path)


def _at(
    document: Document,
    rule: str,
    message: str,
    path: JsonPath,
    line_col: tuple[int, int],
    hint: str | None = None,
) -> Diagnostic:
    return document.diag(rule, message, path, hint=hint)._replace(line=line_col[0], column=line_col[1])


def _fmt(value: float) -> str:
    try:
        return f"{value:g}"
    except OverflowError:  # an integer too large for a float
        return show_value(value)


# -- modes -------------------------------------------------------------------------


@_register(MODES_RULES)
def duplicate_slug(document: Document) -> Iterator[Diagnostic]:
    first: dict[str, int] = {}
    for index, mode in _modes(document):
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


@_register(MODES_RULES)
def duplicate_group(document: Document) -> Iterator[Diagnostic]:
    for index, mode in _modes(document):
        groups = mode.get("groups")
        if not isinstance(groups, list):
            continue
        seen: set[str] = set()
        for position, entry in enumerate(groups):
            name = _group_name(entry)
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


@_register(MODES_RULES)
def invalid_file_regex(document: Document) -> Iterator[Diagnostic]:
    for index, mode in _modes(document):
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


@_register(MODES_RULES)
def deprecated_group(document: Document) -> Iterator[Diagnostic]:
    for index, mode in _modes(document):
        groups = mode.get("groups")
        for position, entry in enumerate(groups if isinstance(groups, list) else []):
            if _group_name(entry) == "browser":
                yield document.diag(
                    "deprecated-group",
                    f"tool group 'browser' in mode '{mode.get('slug', index)}' is deprecated in Roo Code",
                    ("customModes", index, "groups", position),
                    hint="remove it; use an MCP browser server through the 'mcp' group",
                )


# -- secrets (any file) ------------------------------------------------------------


@_register(DOCUMENT_RULES)
def secret_literal(document: Document) -> Iterator[Diagnostic]:
    hint = (
        "remove it and rotate the key; keys come from the environment "
        "(providers.<id>.apiKeyEnv; in LiteLLM, os.environ/NAME)"
    )
    for path, key, text in _walk_strings(document.data):
        if key is not None and SECRET_KEY.match(key) and text and not ENV_REFERENCE.match(text):
            yield document.diag(
                "secret-literal",
                f"'{key}' holds a literal secret ({len(text)} characters, not shown)",
                path,
                hint=hint,
            )
            continue
        in_url = url_password(text)
        if in_url is not None:
            yield _at(
                document,
                "secret-literal",
                "a URL with a password in it (not shown)",
                path,
                _locate_in_value(document, path, in_url.group(0)),
                hint="remove the user and password from the URL; keys come from the environment "
                "(providers.<id>.apiKeyEnv)",
            )
            continue
        found = find_secret(text)
        if found:
            kind, match = found
            yield _at(
                document,
                "secret-literal",
                f"literal secret ({kind}, {len(match.group(0))} characters, not shown)",
                path,
                _locate_in_value(document, path, match.group(0)),
                hint=hint,
            )


# -- model config ------------------------------------------------------------------


@_register(STRATEGY_RULES)
def unknown_model(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    known = list(strategy.models)

    def check(model_id: str, path: JsonPath, what: str, owner: str) -> Iterator[Diagnostic]:
        if model_id not in strategy.models:
            yield document.diag(
                "unknown-model",
                f"{what} '{model_id}' of {owner} is not in the model catalog",
                path,
                hint=did_you_mean(model_id, known) or "add it under models, or fix the id",
            )

    for name, role in strategy.roles.items():
        owner = f"role '{name}'"
        yield from check(role.primary, ("roles", name, "primary"), "primary model", owner)
        if role.escalation_model:
            yield from check(
                role.escalation_model, ("roles", name, "escalation", "model"), "escalation model", owner
            )
        for index, model_id in enumerate(role.fallbacks or ()):
            yield from check(model_id, ("roles", name, "fallbacks", index), "fallback", owner)
        for error, models in role.fallbacks_on:
            for index, model_id in enumerate(models):
                path = ("roles", name, "fallbacksOn", error, index)
                yield from check(model_id, path, f"{error} fallback", owner)
    for model_id, spec in strategy.models.items():
        if spec.fallback is not None:
            yield from check(
                spec.fallback, ("models", model_id, "fallback"), "fallback", f"model '{model_id}'"
            )


@_register(STRATEGY_RULES)
def unknown_provider(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    providers = document.data.get("providers")
    if providers is None:
        return
    for model_id, spec in strategy.models.items():
        if spec.provider not in providers:
            yield document.diag(
                "unknown-provider",
                f"provider '{spec.provider}' of model '{model_id}' is not under providers",
                ("models", model_id, "provider"),
                hint=did_you_mean(spec.provider, list(providers)) or "add it under providers",
            )


@_register(STRATEGY_RULES)
def fallback_cycle(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    reported: set[frozenset[str]] = set()
    for model_id in strategy.models:
        chain, loops_to = strategy.linked_chain(model_id)
        if loops_to is None:
            continue
        path_ids = [model_id, *chain]
        members = frozenset(path_ids[path_ids.index(loops_to) :])
        if members in reported:
            continue
        reported.add(members)
        # Point at the link that closes the loop in reading order.
        closer = max(members, key=lambda m: document.locate(("models", m, "fallback")))
        loop = [closer]
        while len(loop) == 1 or loop[-1] != closer:
            nxt = strategy.models[loop[-1]].fallback
            assert nxt is not None
            loop.append(nxt)
        yield document.diag(
            "fallback-cycle",
            "fallback links loop: " + " -> ".join(loop),
            ("models", closer, "fallback"),
            hint="end the chain with a model that has no fallback",
        )


@_register(STRATEGY_RULES)
def fallback_lists(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for name, role in strategy.roles.items():
        lists: list[tuple[JsonPath, tuple[str, ...]]] = [(("roles", name, "fallbacks"), role.fallbacks or ())]
        lists.extend((("roles", name, "fallbacksOn", error), models) for error, models in role.fallbacks_on)
        for where, models in lists:
            yield from _fallback_list(document, name, role.primary, where, models)


def _fallback_list(
    document: Document, name: str, primary: str, where: JsonPath, models: tuple[str, ...]
) -> Iterator[Diagnostic]:
    seen = {primary: -1}
    for index, model_id in enumerate(models):
        path = (*where, index)
        if index == 0 and model_id == primary:
            yield document.diag(
                "fallback-starts-with-primary",
                f"the fallbacks of role '{name}' start with its primary '{model_id}'",
                path,
                hint="a fallback is tried when the primary fails; start with another model",
            )
        elif model_id in seen:
            earlier = "as its primary" if seen[model_id] < 0 else f"as fallback {seen[model_id] + 1}"
            yield document.diag(
                "fallback-repeat",
                f"'{model_id}' is already in the chain of role '{name}' ({earlier})",
                path,
                hint="each model is tried once; remove the repeat",
            )
        seen.setdefault(model_id, index)


@_register(STRATEGY_RULES)
def fallback_coverage(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    """An outage of one provider must not fail a role outright."""
    for name, role in strategy.roles.items():
        if role.primary not in strategy.models:
            continue  # unknown-model says so
        if not strategy.fallback_chain(name):
            yield document.diag(
                "role-without-fallback",
                f"role '{name}' has no fallback: when '{role.primary}' fails, "
                "every request of the role fails",
                ("roles", name, "primary"),
                hint=f"give models.{role.primary}.fallback, or list roles.{name}.fallbacks",
            )
        escalation = role.escalation_model
        if escalation is None or escalation not in strategy.models or escalation == role.primary:
            continue
        if role.primary not in strategy.linked_chain(escalation)[0]:
            yield document.diag(
                "escalation-without-way-back",
                f"escalation model '{escalation}' of role '{name}' has no fallback path back to its "
                f"primary '{role.primary}': when it fails, every escalated task of the role fails",
                ("roles", name, "escalation", "model"),
                hint=f"set models.{escalation}.fallback to '{role.primary}' (or a chain that reaches it)",
            )


@_register(STRATEGY_RULES)
def escalation_scores(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    policy = strategy.escalation
    escalating = {n: r for n, r in strategy.roles.items() if r.escalation_model}
    if policy is None:
        for name in escalating:
            yield document.diag(
                "unknown-criterion",
                f"role '{name}' escalates, but no escalation criteria are defined",
                ("roles", name, "escalation"),
                hint="add an escalation section with criteria",
            )
        return
    threshold_path: JsonPath = ("escalation", "threshold")
    for name, criterion in policy.criteria.items():
        if not 0 <= criterion.weight <= 1:
            yield document.diag(
                "escalation-weight-range",
                f"weight of '{name}' is {_fmt(criterion.weight)}; weights are between 0 and 1",
                ("escalation", "criteria", name, "weight"),
            )
    if not 0 < policy.threshold <= 1:
        yield document.diag(
            "escalation-weight-range",
            f"threshold is {_fmt(policy.threshold)}; it must be above 0 and at most 1",
            threshold_path,
            hint="a threshold of 0 or less escalates every task",
        )
        return
    weights = {n: c.weight for n, c in policy.criteria.items()}
    total = sum(weights.values())
    if total < policy.threshold:
        yield document.diag(
            "escalation-threshold-unreachable",
            f"all criteria together score {_fmt(total)}, below the threshold "
            f"{_fmt(policy.threshold)}: no task can ever escalate",
            threshold_path,
        )
        return
    for name in escalating:
        counted = strategy.criteria_of(name)
        for index, criterion_name in enumerate(counted):
            if criterion_name not in weights:
                yield document.diag(
                    "unknown-criterion",
                    f"role '{name}' counts criterion '{criterion_name}', which escalation.criteria "
                    "does not define",
                    ("roles", name, "escalation", "criteria", index),
                )
        reachable = sum(weights.get(c, 0) for c in counted)
        if reachable < policy.threshold:
            yield document.diag(
                "escalation-threshold-unreachable",
                f"role '{name}' counts criteria worth {_fmt(reachable)} together, below the "
                f"threshold {_fmt(policy.threshold)}: it can never escalate",
                ("roles", name, "escalation", "criteria"),
            )
    strongest = max(weights, key=lambda n: weights[n])
    if weights[strongest] < policy.threshold:
        pair = sorted(weights, key=lambda n: -weights[n])[:2]
        yield document.diag(
            "escalation-no-single-criterion",
            f"no single criterion reaches the threshold {_fmt(policy.threshold)} (strongest: {strongest} "
            f"{_fmt(weights[strongest])}); a task escalates only when two or more hold, e.g. "
            f"{' + '.join(pair)} = {_fmt(sum(weights[p] for p in pair))}",
            threshold_path,
            hint="intended if escalation should need corroborating signals; otherwise lower the "
            "threshold or raise a weight (--ignore escalation-no-single-criterion to accept)",
        )


@_register(STRATEGY_RULES)
def escalation_cases(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for result in run_cases(strategy):
        at: tuple[str | int, ...] = ("escalation", "cases", result.position)
        case = result.case
        if result.decision is None:
            bad = next((p.field for p in context_problems(case.context)), None)
            where = (*at, "context", bad) if bad else (*at, "role")
            yield document.diag("escalation-case", f"case '{case.name}': {result.problem}", where)
        elif not result.passed:
            yield document.diag(
                "escalation-case",
                f"case '{case.name}' expects {case.expect}, the weights give {result.decision.outcome}: "
                f"{result.decision.why}",
                (*at, "expect"),
                hint="change the case if the new decision is intended; otherwise the weights or threshold",
            )


@_register(STRATEGY_RULES)
def premium_primary(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for name, role in strategy.roles.items():
        spec = strategy.models.get(role.primary)
        if spec is not None and spec.tier == "premium":
            yield document.diag(
                "premium-primary",
                f"role '{name}' runs on premium model '{role.primary}' for every request",
                ("roles", name, "primary"),
                hint="use the primary-tier model and escalate to the premium one",
            )


_PER_MILLION = ("inputPerMillion", "outputPerMillion", "cacheReadPerMillion", "cacheWritePerMillion")
_PER_TOKEN = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    *(
        f"{field}_above_{size}k_tokens"
        for size in (128, 200)
        for field in (
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "cache_creation_input_token_cost",
        )
    ),
)


@_register(STRATEGY_RULES)
def price_unit(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for model_id in strategy.models:
        pricing = document.data["models"][model_id]["pricing"]
        for field in _PER_MILLION:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and 0 < value < 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{model_id}' is {_fmt(value)}: that is a per-token price, "
                    "but the field is per million tokens",
                    ("models", model_id, "pricing", field),
                    hint=f"write {_fmt(value * 1e6)}, or use the LiteLLM per-token field",
                )
        for field in _PER_TOKEN:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and value >= 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{model_id}' is {_fmt(value)}: that is a per-million price "
                    "(or $1,000+ per million), but the field is per token",
                    ("models", model_id, "pricing", field),
                    hint=f"write {_fmt(value / 1e6)}, or use the per-million field",
                )


@_register(PRICES_RULES)
def override_price_unit(document: Document) -> Iterator[Diagnostic]:
    for name, pricing in document.data["models"].items():
        for field in _PER_MILLION:
            value = pricing.get(field)
            if isinstance(value, (int, float)) and 0 < value < 0.001:
                yield document.diag(
                    "price-unit",
                    f"{field} of '{name}' is {_fmt(value)}: that is a per-token price, "
                    "but prices.json is per million tokens",
                    ("models", name, field),
                    hint=f"write {_fmt(value * 1e6)}",
                )


@_register(STRATEGY_RULES)
def target_and_budget_ranges(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    low, high = strategy.targets.savings_min, strategy.targets.savings_max
    if low is not None and high is not None and low > high:
        yield document.diag(
            "target-range",
            f"cost savings target min {_fmt(low)} is above max {_fmt(high)}",
            ("targets", "costSavings", "min"),
        )
    if strategy.gates.max_monthly_budget_share is not None and not strategy.budgets.monthly:
        yield document.diag(
            "budget-gate-without-budget",
            "gates.maxMonthlyBudgetShare is set, but there is no monthly budget to judge it against",
            ("gates", "maxMonthlyBudgetShare"),
            hint="set budgets.monthly, or remove the gate",
        )
    budgets = {k: v for k, v in strategy.budgets._asdict().items() if isinstance(v, (int, float))}
    checks = [
        ("weekly", "daily", 7, "7 daily budgets"),
        ("monthly", "daily", 31, "31 daily budgets"),
    ]
    for larger, smaller, factor, words in checks:
        if larger in budgets and smaller in budgets and budgets[larger] > budgets[smaller] * factor:
            yield document.diag(
                "budget-inconsistent",
                f"{larger} budget {_fmt(budgets[larger])} exceeds {words} "
                f"({_fmt(budgets[smaller] * factor)}): the daily alert always fires first",
                ("budgets", larger),
            )
    for larger, smaller in (("weekly", "daily"), ("monthly", "weekly")):
        if larger in budgets and smaller in budgets and budgets[larger] < budgets[smaller]:
            yield document.diag(
                "budget-inconsistent",
                f"{larger} budget {_fmt(budgets[larger])} is below the {smaller} budget "
                f"{_fmt(budgets[smaller])}",
                ("budgets", larger),
            )


# -- across the two files ----------------------------------------------------------


@_register(CROSS_RULES)
def modes_match_roles(modes: Document, config: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    slugs: dict[str, int] = {}
    for index, mode in _modes(modes):
        slug = mode.get("slug")
        if isinstance(slug, str):
            slugs.setdefault(slug, index)
            if slug not in strategy.roles:
                yield modes.diag(
                    "mode-without-role",
                    f"mode '{slug}' has no role in {config.display}",
                    ("customModes", index, "slug"),
                    hint=did_you_mean(slug, list(strategy.roles))
                    or f"add roles.{slug} with its primary model",
                )
    for name in strategy.roles:
        if name not in slugs:
            yield config.diag(
                "role-without-mode",
                f"role '{name}' has no mode in {modes.display}",
                ("roles", name),
                key=True,
                hint=did_you_mean(name, list(slugs)) or "add the mode, or remove the role",
            )


_MODEL_FAMILY = re.compile(
    r"(?<![\w./-])(?:gpt-[0-9][\w.-]*|claude-[a-z0-9][\w.-]*|glm-[0-9][\w.-]*|gemini-[0-9][\w.-]*"
    r"|llama-[0-9][\w.-]*|deepseek-[\w.-]+|mistral-[\w.-]+|grok-[\w.-]+"
    r"|(?:openrouter|meta-llama|anthropic|openai|z-ai|google|mistralai|deepseek|qwen|x-ai)/[\w.:-]+)",
    re.IGNORECASE,
)
_DRIFT_FIELDS = ("customInstructions", "roleDefinition")


@lru_cache(maxsize=16)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\w./-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w/-]|\.\d)", re.IGNORECASE
    )


def _model_mentions(text: str, strategy: Strategy) -> list[tuple[str, str | None]]:
    """(text as written, catalog id or None) for each model named in text, in order."""
    names = sorted(
        ((n, spec.id) for spec in strategy.models.values() for n in spec.names),
        key=lambda pair: -len(pair[0]),
    )
    known = _names_pattern(tuple(n for n, _ in names)) if names else None
    by_name = {n.lower(): model_id for n, model_id in names}
    found: list[tuple[int, str, str | None]] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in known.finditer(text) if known else ():
        found.append((match.start(), match.group(1), by_name[match.group(1).lower()]))
        starts.append(match.start())
        ends.append(match.end())
    for match in _MODEL_FAMILY.finditer(text):
        # Known names do not overlap and come in order: only the last one starting
        # before this match can overlap it.
        before = bisect_left(starts, match.end()) - 1
        if before >= 0 and ends[before] > match.start():
            continue
        found.append((match.start(), match.group(0).rstrip(".-:"), None))
    return [(written, model_id) for _, written, model_id in sorted(found)]


@_register(CROSS_RULES)
def instruction_drift(modes: Document, config: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for index, mode in _modes(modes):
        slug = mode.get("slug")
        if not isinstance(slug, str) or slug not in strategy.roles:
            continue
        allowed = strategy.models_of(slug)
        configured = f"{strategy.roles[slug].primary}" + (
            f" (escalation {strategy.roles[slug].escalation_model})"
            if strategy.roles[slug].escalation_model
            else ""
        )
        for field in _DRIFT_FIELDS:
            text = mode.get(field)
            if not isinstance(text, str):
                continue
            path = ("customModes", index, field)
            finder = _ValueFinder(modes, path)
            reported: set[str] = set()
            for written, model_id in _model_mentions(text, strategy):
                if (model_id in allowed) or written.lower() in reported:
                    continue
                reported.add(written.lower())
                if model_id is None:
                    message = (
                        f"{field} of '{slug}' names {written}, which is not in the model catalog; "
                        f"{config.display} configures {configured}"
                    )
                else:
                    message = (
                        f"{field} of '{slug}' names {written}, but {config.display} configures "
                        f"{slug} with {configured}"
                    )
                yield _at(
                    modes,
                    "instruction-drift",
                    message,
                    path,
                    finder.find(written),
                    hint="make the instructions and the role's models agree",
                )


# -- LiteLLM proxy config ------------------------------------------------------------


@_register(LITELLM_RULES)
def litellm_unknown_key(document: Document) -> Iterator[Diagnostic]:
    """LiteLLM ignores a key it does not know, so a misspelt one changes nothing, silently."""
    data = document.data
    sections: list[tuple[JsonPath, Any, frozenset[str], str]] = [((), data, litellm.ROOT_KEYS, "at the top")]
    if isinstance(data.get("router_settings"), dict):
        router = data["router_settings"]
        sections.append((("router_settings",), router, litellm.ROUTER_SETTINGS_KEYS, "in router_settings"))
    for index, entry in _entries(data):
        sections.append((("model_list", index), entry, litellm.ENTRY_KEYS, "in a model_list entry"))
    for where, section, known, place in sections:
        for key in section:
            if key not in known:
                yield document.diag(
                    "litellm-unknown-key",
                    f"LiteLLM knows no key '{key}' {place} and ignores it",
                    (*where, key),
                    key=True,
                    hint=did_you_mean(key, sorted(known)) or "remove it, or --ignore litellm-unknown-key",
                )


def _entries(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The model_list entries that are mappings (the schema reports the rest)."""
    entries = data.get("model_list")
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        if isinstance(entry, dict):
            yield index, entry


def _model_groups(data: dict[str, Any]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, entry in _entries(data):
        if isinstance(entry.get("model_name"), str):
            groups.setdefault(entry["model_name"], []).append(index)
    return groups


@_register(LITELLM_RULES)
def litellm_unknown_fallback(document: Document) -> Iterator[Diagnostic]:
    """A fallback to a model_name no entry serves fails at the first outage, not at start-up."""
    data = document.data
    groups = _model_groups(data)
    router = data.get("router_settings")
    aliases = router.get("model_group_alias") if isinstance(router, dict) else None
    known = set(groups) | set(aliases if isinstance(aliases, dict) else ())
    served = sorted(known)
    wildcards = [re.compile(fnmatch.translate(name)) for name in known if "*" in name]

    def check(name: Any, path: JsonPath, key: bool = False) -> Iterator[Diagnostic]:
        if (
            isinstance(name, str)
            and name not in known
            and "*" not in name
            and not any(w.match(name) for w in wildcards)
        ):
            yield document.diag(
                "litellm-unknown-fallback",
                f"fallback '{name}' names no model_name in model_list",
                path,
                key=key,
                hint=did_you_mean(name, served) or "add an entry with this model_name, or fix the name",
            )

    for section in ("router_settings", "litellm_settings"):
        settings = data.get(section)
        if not isinstance(settings, dict):
            continue
        for setting in litellm.FALLBACK_SETTINGS:
            rules = settings.get(setting)
            if not isinstance(rules, list):
                continue
            for index, rule in enumerate(rules):
                if not isinstance(rule, dict):
                    yield document.diag(
                        "schema",
                        f"{setting} entries map a model_name to a list of model names",
                        (section, setting, index),
                    )
                    continue
                for source, targets in rule.items():
                    yield from check(source, (section, setting, index, source), key=True)
                    for position, target in enumerate(targets if isinstance(targets, list) else [targets]):
                        where = (section, setting, index, source, position)
                        yield from check(target, where if isinstance(targets, list) else where[:-1])


def _comparable(key: str, value: Any) -> Any:
    """The model without its provider route (zai/glm-4.5 and openrouter/z-ai/glm-4.5
    are one model through two providers); other values as they are."""
    if key == "model" and isinstance(value, str):
        return value.rsplit("/", 1)[-1].lower()
    return value


@_register(LITELLM_RULES)
def litellm_conflicting_entries(document: Document) -> Iterator[Diagnostic]:
    """Entries sharing a model_name are load-balanced: different models or prices
    under one name mean a request gets one or the other at random."""
    entries = dict(_entries(document.data))

    def params_of(index: int) -> dict[str, Any]:
        params = entries[index].get("litellm_params")
        return params if isinstance(params, dict) else {}

    for name, indexes in _model_groups(document.data).items():
        first = params_of(indexes[0])
        for index in indexes[1:]:
            params = params_of(index)
            differs = [
                key
                for key in ("model", "input_cost_per_token", "output_cost_per_token")
                if _comparable(key, params.get(key)) != _comparable(key, first.get(key))
            ]
            if differs:
                yield document.diag(
                    "litellm-conflicting-entries",
                    f"model_name '{name}' is also entry {indexes[0] + 1} of model_list, with another "
                    f"{' and '.join(differs)}: LiteLLM sends each request to one of them at random",
                    ("model_list", index, "model_name"),
                    hint="give each its own model_name, or make them the same model at the same price",
                )
