"""The quality gate: a candidate needs a passing eval run of its exact
configs (by digest) before it is staged, or before its first promotion, as
``evals.gate`` says, whenever the config directory has eval suites. The
latest run of the digest counts, never the best of several."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hybridctl.errors import CheckFailed

if TYPE_CHECKING:
    from hybridctl.store.repo import Store

EVAL_KIND = "eval"
EVAL_SUMMARY = ("revision", "verdict", "suites", "comparison")  # what a transition's record keeps of the run
MOST_RECORDS = 10_000  # records searched for the candidate's run, newest first


def latest_run(store: Store, digest: str) -> dict[str, Any] | None:
    """The newest eval run recorded for a candidate digest (its record's
    ``details.eval``, with the revision), or None."""
    for index, record in enumerate(store.iter_records()):
        if index >= MOST_RECORDS:
            break
        if record.kind != EVAL_KIND:
            continue
        run = record.details.get("eval")
        if isinstance(run, dict) and (run.get("candidate") or {}).get("digest") == digest:
            return {**run, "revision": record.revision}
    return None


def has_suites(config_dir: Path) -> bool:
    from hybridctl.evals.suite import suite_files

    return bool(suite_files(config_dir))


def require_passing_run(
    store: Store, digest: str, *, force: bool, forced: list[str]
) -> dict[str, Any] | None:
    """The passing run of ``digest``, or a refusal (exit 1) saying what to do;
    ``force`` records the override instead."""
    run = latest_run(store, digest)
    verdict = None if run is None else run.get("verdict")
    if verdict == "pass":
        return run
    if run is None:
        why = f"no eval run of this candidate ({digest[:19]}) is recorded"
        hint = (
            "hybridctl eval run (or eval import promptfoo FILE), then try again; --force --reason overrides"
        )
    else:
        why = f"the latest eval run of this candidate (r{run['revision']}) says {verdict}"
        hint = "see hybridctl eval run's table; fix the candidate, or --force --reason '...' overrides"
    if not force:
        raise CheckFailed(f"the quality gate refuses it: {why}", hint=hint)
    forced.append(f"evals ({why})")
    return run
