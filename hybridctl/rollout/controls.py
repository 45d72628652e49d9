"""The emergency controls, legal from every state: the kill switch (everyone
to stable at once, the rollout frozen where it is) and forced models (roles
pinned to one catalog model for everyone: a provider outage, a test). Both
are in the bundle and honoured by the router."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import UsageError
from hybridctl.rollout import next_state
from hybridctl.rollout.machine import Action, check, describe
from hybridctl.rollout.revisions import strategy_of, trusted
from hybridctl.rollout.state import RolloutState
from hybridctl.rollout.transaction import Transaction, TransitionResult, state_untouched
from hybridctl.store.setup import Setup, settle_races
from hybridctl.times import utc_now


def set_enabled(setup: Setup, enabled: bool, *, reason: str, now: datetime | None = None) -> TransitionResult:
    """The kill switch: disabled, everyone goes to stable at once and the rollout
    keeps its position, frozen; enabled, it serves the weight it had."""
    action = Action.ENABLE if enabled else Action.DISABLE
    with setup.mutation(action.value) as store:
        txn = Transaction(setup, store, action, reason, now or utc_now())
        state = txn.before
        if state.enabled == enabled:
            return txn.unchanged("the kill switch is already " + ("off" if enabled else "on"))
        check(state, action)
        summary = (
            f"kill switch off: the candidate serves {state.weight}% again"
            if enabled
            else "kill switch on: every request goes to stable; the rollout is frozen where it is, "
            f"{describe(state.with_(enabled=True))}"
        )
        return txn.record(next_state.switched(state, enabled), kind=action.value, summary=summary)


def force(
    setup: Setup,
    model: str | None,
    *,
    reason: str,
    roles: Sequence[str] = (),
    now: datetime | None = None,
) -> TransitionResult:
    """Route roles (default: all) to one catalog model for everyone, or, with
    ``model`` None, end that. For a provider outage or a test."""
    with setup.mutation(Action.FORCE.value) as store:
        txn = Transaction(setup, store, Action.FORCE, reason, now or utc_now())
        state = txn.before
        check(state, Action.FORCE)
        served = _served_strategies(txn, state)
        known_roles = sorted(set.intersection(*(set(s.roles) for _, _, s in served)))
        unknown = [r for r in roles if r not in known_roles]
        if unknown:
            raise UsageError(f"no role {', '.join(unknown)}", hint="roles: " + ", ".join(known_roles))
        chosen = list(roles) or known_roles
        pins = dict(state.forced)
        if model is None:
            for role in chosen:
                pins.pop(role, None)
            summary = f"roles {', '.join(chosen)} route by their configs again"
        else:
            model_id = _known_everywhere(served, model)
            pins.update({role: model_id for role in chosen})
            summary = f"roles {', '.join(chosen)} forced to {model_id} for everyone"
        after = next_state.forced(state, pins)
        if after.forced == state.forced:
            return txn.unchanged("nothing changes: " + summary)
        return txn.record(
            after, kind=Action.FORCE.value, summary=summary, details={"forced": dict(after.forced)}
        )


def _served_strategies(txn: Transaction, state: RolloutState) -> list[tuple[str, ConfigFiles, Strategy]]:
    """Each revision being served (stable, and an in-flight candidate): its label, files and strategy."""
    assert state.stable is not None
    sides = [state.stable] + ([state.candidate] if state.in_flight and state.candidate else [])
    served = []
    for snapshot in sides:
        record = txn.store.at(snapshot.revision)
        configs = txn.store.configs_at(record)
        label = f"r{snapshot.revision}"
        strategy = strategy_of(configs, label, trusted=trusted(txn.workspace, record))
        served.append((label, ConfigFiles.from_mapping(configs), strategy))
    return served


def _known_everywhere(served: list[tuple[str, ConfigFiles, Strategy]], model: str) -> str:
    """The catalog id of ``model``, refused unless every served revision knows it."""
    model_id = served[0][1].catalog().canonical(model)
    missing = [label for label, _, strategy in served if model_id not in strategy.models]
    if missing:
        raise UsageError(
            f"model {model} is not in the catalog of {', '.join(missing)}",
            hint="force a model both sides know: " + ", ".join(sorted(served[0][2].models)),
        )
    return model_id


set_enabled = settle_races(set_enabled, on_top=state_untouched)
force = settle_races(force, on_top=state_untouched)
