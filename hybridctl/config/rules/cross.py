"""Rules across the two files: every mode has a role and every role a mode;
instructions name the models their role runs."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document
from hybridctl.config.model import Strategy
from hybridctl.config.rules.helpers import ValueFinder, at, modes_of
from hybridctl.config.rules.registry import CROSS, register
from hybridctl.text import did_you_mean


@register(
    CROSS,
    Rule("mode-without-role", ERROR, "A mode in the modes file has no role in model-config.json."),
    Rule("role-without-mode", ERROR, "A role in model-config.json has no mode in the modes file."),
)
def modes_match_roles(modes: Document, config: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    slugs: dict[str, int] = {}
    for index, mode in modes_of(modes):
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


@register(
    CROSS,
    Rule("instruction-drift", WARNING, "Instructions name a model the role is not configured with."),
)
def instruction_drift(modes: Document, config: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    for index, mode in modes_of(modes):
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
            finder = ValueFinder(modes, path)
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
                yield at(
                    modes,
                    "instruction-drift",
                    message,
                    path,
                    finder.find(written),
                    hint="make the instructions and the role's models agree",
                )
