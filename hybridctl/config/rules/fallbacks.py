"""Rules of fallback chains: no loops, no repeats, every role covered, a way
back from each escalation model."""

from __future__ import annotations

from collections.abc import Iterator

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document, JsonPath
from hybridctl.config.model import Strategy
from hybridctl.config.rules.registry import STRATEGY, register


@register(
    STRATEGY,
    Rule("fallback-cycle", ERROR, "Model fallbacks loop back to a model already in the chain."),
)
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


@register(
    STRATEGY,
    Rule("fallback-repeat", ERROR, "A fallback list names the same model twice."),
    Rule("fallback-starts-with-primary", ERROR, "A role's fallback list starts with its primary."),
)
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


@register(
    STRATEGY,
    Rule("role-without-fallback", WARNING, "A role's primary has no fallback: an outage fails the role."),
    Rule("escalation-without-way-back", WARNING, "An escalation model has no fallback path to its primary."),
)
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
