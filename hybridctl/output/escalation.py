"""Rendering of escalation check and escalation test."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hybridctl.output import console, print_table, say, table, write_json
from hybridctl.text import clean, money

if TYPE_CHECKING:
    from hybridctl.config.escalation import CaseResult, Decision
    from hybridctl.usage.backtest import Backtest


def _shown(value: object) -> str:
    return "-" if value is None else clean(str(value))


def render_decision(decision: Decision, as_json: bool) -> None:
    if as_json:
        write_json({"version": 1, **decision.to_dict()})
        return
    view = table("CRITERION", "WEIGHT", "COUNTS FOR ROLE", "CONTEXT", "MEETS WHEN", "FIRED")
    for c in decision.criteria:
        view.add_row(
            c.name,
            f"{c.weight:g}",
            "yes" if c.counts else "no",
            _shown(c.observed),
            c.needed,
            "yes" if c.fired else "no",
        )
    print_table(console(), view)
    style = "bold yellow" if decision.escalated else "green"
    say(
        (f"{decision.outcome} ", style),
        f"role {clean(decision.role)} -> {decision.model}: {decision.why}",
    )


def render_cases(results: list[CaseResult], as_json: bool) -> None:
    if as_json:
        write_json(
            {
                "version": 1,
                "passed": sum(r.passed for r in results),
                "failed": sum(not r.passed for r in results),
                "cases": [r.to_dict() for r in results],
            }
        )
        return
    view = table("CASE", "ROLE", "EXPECT", "GOT", "", "WHY")
    for r in results:
        got = "-" if r.decision is None else r.decision.outcome
        mark = "ok" if r.passed else "FAIL"
        why = r.problem if r.decision is None else r.decision.why
        view.add_row(clean(r.case.name), clean(r.case.role), r.case.expect, got, mark, clean(why or ""))
    print_table(console(), view)
    failed = sum(not r.passed for r in results)
    if not results:
        say(("note ", "dim"), "the config carries no escalation.cases")
    elif failed:
        say(("failed ", "bold red"), f"{failed} of {len(results)} escalation case(s) get another decision")
    else:
        say(("passed ", "green"), f"all {len(results)} escalation case(s) get the decision they expect")


def render_backtest(result: Backtest, as_json: bool) -> None:
    if as_json:
        write_json(result.to_dict())
        return
    view = table("ROLE", "REQUESTS", "ESCALATED IN THE LOG", "WOULD ESCALATE", "RATE")
    for name, role in sorted(result.roles.items()):
        rate = role.escalations / role.requests if role.requests else 0.0
        view.add_row(
            clean(name),
            f"{role.requests:,}",
            f"{role.logged_escalations:,}",
            f"{role.escalations:,}",
            f"{rate:.1%}",
        )
    print_table(console(), view)
    if not result.requests:
        say(("note ", "yellow"), f"no event carries a task context ({result.without_task:,} without one)")
        return
    target = "" if result.max_rate is None else f" (target <= {result.max_rate:.0%})"
    verdict = ("within ", "green") if result.within_target else ("OVER ", "bold red")
    logged = result.logged_escalations / result.requests
    say(
        verdict,
        f"escalation rate {result.rate:.1%} of {result.requests:,} requests{target}; logged {logged:.1%}",
    )
    say(
        ("cost ", "bold"),
        f"{money(result.cost)} with this config against {money(result.logged_cost)} as served "
        f"(both at the price list); premium share {result.premium / result.requests:.1%}",
    )
    if result.without_task or result.unpriced:
        say(
            ("note ", "dim"),
            f"{result.without_task:,} events without a task context; {result.unpriced:,} unpriced",
        )
