"""Rules of targets, gates and budgets: ranges that are not empty, budgets that
agree, a budget gate with its budget."""

from __future__ import annotations

from collections.abc import Iterator

from hybridctl.config.diagnostics import ERROR, WARNING, Diagnostic, Rule
from hybridctl.config.document import Document
from hybridctl.config.model import Strategy
from hybridctl.config.rules.helpers import fmt
from hybridctl.config.rules.registry import STRATEGY, register


@register(
    STRATEGY,
    Rule("target-range", ERROR, "A target range is empty (min above max)."),
    Rule("budget-inconsistent", WARNING, "Budgets contradict each other (e.g. weekly > 7 x daily)."),
    Rule(
        "budget-gate-without-budget",
        WARNING,
        "gates.maxMonthlyBudgetShare is set but budgets.monthly is not.",
    ),
)
def target_and_budget_ranges(document: Document, strategy: Strategy) -> Iterator[Diagnostic]:
    low, high = strategy.targets.savings_min, strategy.targets.savings_max
    if low is not None and high is not None and low > high:
        yield document.diag(
            "target-range",
            f"cost savings target min {fmt(low)} is above max {fmt(high)}",
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
                f"{larger} budget {fmt(budgets[larger])} exceeds {words} "
                f"({fmt(budgets[smaller] * factor)}): the daily alert always fires first",
                ("budgets", larger),
            )
    for larger, smaller in (("weekly", "daily"), ("monthly", "weekly")):
        if larger in budgets and smaller in budgets and budgets[larger] < budgets[smaller]:
            yield document.diag(
                "budget-inconsistent",
                f"{larger} budget {fmt(budgets[larger])} is below the {smaller} budget "
                f"{fmt(budgets[smaller])}",
                ("budgets", larger),
            )
