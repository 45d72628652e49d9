"""Rules of a LiteLLM proxy config: keys LiteLLM reads, fallbacks that name a
model group, entries of one group that agree."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

from hybridctl.config import litellm
from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document, JsonPath
from hybridctl.config.rules.registry import LITELLM, register
from hybridctl.text import did_you_mean


@register(
    LITELLM,
    Rule("litellm-unknown-key", WARNING, "A key LiteLLM does not know (it ignores it without a word)."),
)
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


@register(
    LITELLM,
    Rule("litellm-unknown-fallback", ERROR, "A fallback names no model_name in model_list."),
)
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


@register(
    LITELLM,
    Rule("litellm-conflicting-entries", WARNING, "Entries share a model_name but differ in model or price."),
)
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
