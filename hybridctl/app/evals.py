"""Eval runs: the suites in the config directory sent to the models stable
and the candidate (the working configs, as ``stage`` would record them)
route each case to, scored, judged, and recorded in the store (kind
``eval``) so the quality gate at ``stage`` finds it by the candidate's digest."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.app.workspace import Workspace
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.config.validate import InvalidConfig, ValidateRequest, validate
from hybridctl.errors import UsageError
from hybridctl.evals.runner import VARIANTS, Attempt, RunOptions, Side, run, total_calls
from hybridctl.evals.scoring import Comparison, case_rows, compare, role_scores, score
from hybridctl.evals.suite import SUITES_DIR, Suite, parse_suite, suite_files
from hybridctl.rollout.eval_gate import EVAL_KIND
from hybridctl.rollout.transaction import load_state
from hybridctl.store.records import digest_files
from hybridctl.times import format_utc, utc_now

MAX_IMPORT_BYTES = 256 << 20  # promptfoo keeps every prompt and answer in its results file
NO_SUITES_HINT = f"add eval suites as {SUITES_DIR}/*.yml in the config directory, or pass --suite FILE"


class EvalRun(NamedTuple):
    time: datetime
    suites: list[Suite]
    digests: dict[str, str]  # variant -> config digest
    attempts: list[Attempt]
    comparison: Comparison | None  # when both variants ran
    source: str  # "hybridctl", or "promptfoo FILE"
    revision: int | None = None  # the store record, when recorded

    @property
    def verdict(self) -> str:
        """pass, fail or hold against stable; "scored" when one variant ran."""
        return "scored" if self.comparison is None else self.comparison.verdict

    def to_dict(self, *, attempts: bool = False) -> dict[str, Any]:
        variants = [v for v in VARIANTS if any(a.variant == v for a in self.attempts)]
        made: dict[str, Any] = {
            "version": 1,
            "time": format_utc(self.time),
            "source": self.source,
            "verdict": self.verdict,
            "revision": self.revision,
            "suites": [
                {"name": s.name, "path": s.path, "digest": s.digest, "cases": len(s.cases)}
                for s in self.suites
            ],
            **{
                v: {
                    "digest": self.digests.get(v),
                    **score(a for a in self.attempts if a.variant == v).to_dict(),
                }
                for v in variants
            },
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "roles": {
                r: {v: s.to_dict() for v, s in by.items()} for r, by in role_scores(self.attempts).items()
            },
            "cases": [row.to_dict() for row in case_rows(self.attempts)],
        }
        if attempts:
            made["attempts"] = [a.to_dict() for a in self.attempts]
        return made


def load_suites(workspace: Workspace, paths: Sequence[Path]) -> list[Suite]:
    """The suites given, or those in the config directory; each schema-checked
    (findings with file:line:column refuse the run)."""
    chosen = list(paths) or suite_files(workspace.config_dir)
    if not chosen:
        raise UsageError("no eval suites to run", hint=NO_SUITES_HINT)
    checked = validate(ValidateRequest(tuple(chosen), kind="evals", schema_dir=workspace.schema_dir))
    if checked.errors:
        raise InvalidConfig(
            "the eval suites do not validate; nothing was run", checked, hint="fix them and run again"
        )
    suites = []
    for document in checked.documents.values():
        lines = {i: document.locate(("cases", i))[0] for i in range(len(document.data["cases"]))}
        suites.append(parse_suite(document.data, document.display, lines))
    return suites


def _sides(workspace: Workspace, variant: str) -> tuple[dict[str, Side], dict[str, str]]:
    """Each variant's strategy and catalog, and its config digest: stable as the
    store records it, the candidate as the working configs are."""
    store = workspace.open_store()
    state = load_state(store)
    files: dict[str, dict[str, bytes]] = {"candidate": workspace.read_configs()}
    if state.stable is not None:
        files["stable"] = store.configs_at(store.at(state.stable.revision))
    sides: dict[str, Side] = {}
    digests: dict[str, str] = {}
    for name in VARIANTS if variant == "both" else (variant,):
        if name not in files:
            raise UsageError(
                "no stable revision is recorded yet", hint="hybridctl init records the first one"
            )
        configs = ConfigFiles.from_mapping(files[name])
        strategy = configs.strategy()
        if strategy is None:
            raise UsageError(f"the {name} model config does not validate", hint="hybridctl validate")
        sides[name], digests[name] = Side(strategy, configs.catalog()), digest_files(files[name])[1]
    return sides, digests


def _check_roles(suites: Sequence[Suite], sides: Mapping[str, Side]) -> None:
    for suite in suites:
        for case in suite.cases:
            for variant, side in sides.items():
                if case.role not in side.strategy.roles:
                    raise UsageError(
                        f"{suite.path}:{case.line or 1}: case '{case.name}' names the role '{case.role}', "
                        f"which the {variant} config does not have",
                        hint=f"roles: {', '.join(side.strategy.roles)}",
                    )


def run_evals(
    workspace: Workspace,
    *,
    variant: str = "both",
    paths: Sequence[Path] = (),
    options: RunOptions = RunOptions(),
    record: bool = True,
    progress: Callable[[int], AbstractContextManager[Callable[[int], None]]] | None = None,
) -> EvalRun:
    """Run the suites on stable, the candidate or both; judge and record the run.
    ``progress`` gives a callback for the number of calls made, given their total."""
    suites = load_suites(workspace, paths)
    sides, digests = _sides(workspace, variant)
    _check_roles(suites, sides)
    total = total_calls(suites, len(sides))
    options = options._replace(ca_bundle=options.ca_bundle or workspace.remote.ca_bundle)
    with progress(total) if progress else nullcontext(lambda done: None) as advance:
        attempts = run(suites, sides, options, advance)
    margin = sides["candidate"].strategy.evals.margin if "candidate" in sides else 0.0
    comparison = compare(attempts, margin) if len(sides) == 2 else None
    result = EvalRun(utc_now(), suites, digests, attempts, comparison, "hybridctl")
    return record_run(workspace, result) if record else result


def record_run(workspace: Workspace, result: EvalRun) -> EvalRun:
    """The run as a store record (the configs and the rollout untouched)."""
    verdict = result.verdict
    reason = f"eval run: {verdict}" + (
        ""
        if result.comparison is None
        else f" ({result.comparison.estimate * 100:+.1f} points against stable)"
    )
    with workspace.mutation("eval run") as store:
        head = store.head()
        if head is None:
            raise UsageError("no store to record the run in", hint="hybridctl init")
        made = store.commit(
            EVAL_KIND,
            actor=workspace.actor(),
            reason=reason,
            now=result.time,
            configs=store.configs_at(head),
            details={"eval": result.to_dict()},
        )
    return result._replace(revision=made.revision)


def import_promptfoo(
    workspace: Workspace, path: Path, variants: Mapping[str, str], *, record: bool = True
) -> EvalRun:
    """A promptfoo results file as a run of the working configs against stable."""
    from hybridctl.evals.promptfoo import NotPromptfoo, read_promptfoo

    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise UsageError(
                f"{path} is {size:,} bytes, more than an eval import reads ({MAX_IMPORT_BYTES >> 20} MiB)",
                hint="export fewer results (promptfoo eval --filter-...), or split the suite",
            )
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        attempts = read_promptfoo(text, variants, path.stem)
    except NotPromptfoo as exc:
        raise UsageError(
            f"{path}: {exc}", hint="pass the file promptfoo eval -o results.json writes"
        ) from None
    _, digests = _sides(workspace, "both")
    ran = {a.variant for a in attempts}
    margin = _sides(workspace, "candidate")[0]["candidate"].strategy.evals.margin
    comparison = compare(attempts, margin) if ran == set(VARIANTS) else None
    suite = Suite(path.stem, str(path), digest_files({path.name: text.encode()})[1], ())
    result = EvalRun(
        utc_now(), [suite], {v: digests[v] for v in ran}, attempts, comparison, f"promptfoo {path.name}"
    )
    return record_run(workspace, result) if record else result
