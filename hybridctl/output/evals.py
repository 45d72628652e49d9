"""Rendering of eval run and eval import: pass rates per role with their
intervals, the cases either variant failed, and the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hybridctl.errors import ExitCode
from hybridctl.output import console, print_table, safe_text, table, write_json
from hybridctl.text import clean

if TYPE_CHECKING:
    from hybridctl.app.evals import EvalRun
    from hybridctl.evals.scoring import Score

MOST_CASES_SHOWN = 30
_STYLE = {"pass": "bold green", "fail": "bold red", "hold": "bold yellow", "scored": "bold"}


def _rate(found: Score | None) -> str:
    if found is None or found.rate is None:
        return "-"
    return f"{found.passed}/{found.attempts} {found.rate:.0%} [{found.low:.0%}, {found.high:.0%}]"


def exit_code(result: EvalRun) -> int:
    """0 pass (or scored), 1 fail, 5 hold."""
    return {"fail": int(ExitCode.CHECK_FAILED), "hold": int(ExitCode.INCONCLUSIVE)}.get(result.verdict, 0)


def render_run(result: EvalRun, as_json: bool) -> None:
    if as_json:
        write_json(result.to_dict())
        return
    from hybridctl.evals.scoring import case_rows, role_scores

    out = console()
    roles = table("ROLE", "STABLE", "CANDIDATE")
    for role, by in role_scores(result.attempts).items():
        roles.add_row(role, _rate(by.get("stable")), _rate(by.get("candidate")))
    print_table(out, roles)
    failing = [
        row for row in case_rows(result.attempts) if any(s.passed < s.attempts for s in row.scores.values())
    ]
    if failing:
        cases = table("CASE", "ROLE", "STABLE", "CANDIDATE", "WHY")
        for row in failing[:MOST_CASES_SHOWN]:
            scores = {v: f"{s.passed}/{s.attempts}" for v, s in row.scores.items()}
            why = "; ".join(f"{v}: {clean(w)}" for v, w in row.why.items())
            cases.add_row(row.case, row.role, scores.get("stable", "-"), scores.get("candidate", "-"), why)
        print_table(out, cases)
        if len(failing) > MOST_CASES_SHOWN:
            out.print(f"and {len(failing) - MOST_CASES_SHOWN} more cases (--json lists every one)")
    comparison = result.comparison
    detail = ""
    if comparison is not None:
        detail = (
            f" (candidate minus stable {comparison.estimate * 100:+.1f} points "
            f"[{comparison.low * 100:+.1f}, {comparison.high * 100:+.1f}] at 95%, "
            f"{comparison.pairs} pairs; margin {comparison.margin * 100:g} points)"
        )
        if comparison.stable_unanswered:
            detail += f"; {comparison.stable_unanswered} pairs left out: stable got no answer, so no pass"
    out.print(safe_text("verdict: ", (result.verdict, _STYLE.get(result.verdict, "bold")), detail))
    if result.revision is not None:
        out.print(safe_text(f"recorded as r{result.revision} ({result.source})"))
