"""Semantic diff of two config snapshots: what changed for each role, model,
price, threshold and weight, in the strategy's own terms rather than lines."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, NamedTuple

from hybridctl.config.document import format_path
from hybridctl.config.model import Strategy
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.redaction import redact, redact_text

FileSet = Mapping[str, bytes]  # config file name -> bytes


class Change(NamedTuple):
    area: str  # roles, models, escalation, targets, gates, rollbackTriggers, budgets, rollout, modes, ...
    subject: str  # the role, model, criterion or setting that changed
    field: str
    before: Any  # None when added
    after: Any  # None when removed

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "kind": self.kind}

    def redacted(self) -> Change:

        key = self.field.rsplit(".", 1)[-1]  # a generic field is a dotted path
        return self._replace(before=redact(self.before, key), after=redact(self.after, key))


class DiffResult(NamedTuple):
    before_label: str
    after_label: str
    changes: list[Change]
    raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "before": self.before_label,
            "after": self.after_label,
            "identical": not self.changes,
            "changes": [c.to_dict() for c in self.changes],
        }


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, (*path, key)))
        return out
    return {format_path(path).removeprefix("$").removeprefix("."): value}


def _compare(area: str, subject: str, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes = []
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes.append(Change(area, subject, field, old, new))
    return changes


def _role_view(strategy: Strategy, raw: dict[str, Any], name: str) -> dict[str, Any]:
    role = strategy.roles[name]
    escalation = raw["roles"][name].get("escalation", {})
    return {
        "primary": role.primary,
        "escalation model": role.escalation_model,
        "escalation criteria": list(strategy.criteria_of(name)) if role.escalation_model else None,
        "escalation triggers": escalation.get("triggers"),
        "fallback chain": strategy.fallback_chain(name),
        "description": raw["roles"][name].get("description"),
    }


def _model_view(strategy: Strategy, raw: dict[str, Any], model_id: str) -> dict[str, Any]:
    spec = strategy.models[model_id]
    extra = raw["models"][model_id]
    return {
        "tier": spec.tier,
        "provider": spec.provider,
        "provider model id": spec.provider_model_id,
        "fallback": spec.fallback,
        "input $/M": spec.pricing.input_per_million,
        "output $/M": spec.pricing.output_per_million,
        "cache read $/M": spec.pricing.cache_read_per_million,
        "aliases": extra.get("aliases"),
        "context window": extra.get("contextWindow"),
        "description": extra.get("description"),
    }


View = Callable[[str], dict[str, Any]]


def _keyed(
    area: str, before: Iterable[str], after: Iterable[str], old_view: View, new_view: View
) -> list[Change]:
    """Changes of named things (roles, models, modes): added, removed, or field by field."""
    old_keys, new_keys = list(before), list(after)
    changes: list[Change] = []
    for key in dict.fromkeys([*old_keys, *new_keys]):
        if key not in new_keys:
            changes.append(Change(area, key, "", "present", None))
        elif key not in old_keys:
            changes.append(Change(area, key, "", None, "present"))
        else:
            changes.extend(_compare(area, key, old_view(key), new_view(key)))
    return changes


def _strategy_changes(
    old: Strategy, new: Strategy, old_raw: dict[str, Any], new_raw: dict[str, Any]
) -> list[Change]:
    changes = _keyed(
        "roles", old.roles, new.roles, partial(_role_view, old, old_raw), partial(_role_view, new, new_raw)
    )
    changes += _keyed(
        "models",
        old.models,
        new.models,
        partial(_model_view, old, old_raw),
        partial(_model_view, new, new_raw),
    )
    escalation_old = _leaves(old_raw.get("escalation", {}))
    escalation_new = _leaves(new_raw.get("escalation", {}))
    changes += _compare("escalation", "escalation", escalation_old, escalation_new)
    for area in ("targets", "gates", "rollbackTriggers", "budgets", "rollout", "strategy", "providers"):
        changes += _compare(area, area, _leaves(old_raw.get(area, {})), _leaves(new_raw.get(area, {})))
    return changes


def _mode_changes(old: Any, new: Any) -> list[Change]:
    def by_slug(data: Any) -> dict[str, dict[str, Any]]:
        modes = data.get("customModes", []) if isinstance(data, dict) else []
        return {m["slug"]: m for m in modes if isinstance(m, dict) and isinstance(m.get("slug"), str)}

    def view(modes: dict[str, dict[str, Any]], slug: str) -> dict[str, Any]:
        return {k: v for k, v in modes[slug].items() if k != "slug"}

    before, after = by_slug(old), by_slug(new)
    return _keyed("modes", before, after, partial(view, before), partial(view, after))


def _price_changes(old: Any, new: Any) -> list[Change]:
    def models(data: Any) -> dict[str, Any]:
        found = data.get("models") if isinstance(data, dict) else None
        return found if isinstance(found, dict) else {}

    before, after = models(old), models(new)
    return _keyed(
        "prices",
        before,
        after,
        lambda name: dict(before[name]) if isinstance(before[name], dict) else {"price": before[name]},
        lambda name: dict(after[name]) if isinstance(after[name], dict) else {"price": after[name]},
    )


def semantic_diff(
    before: FileSet,
    after: FileSet,
    *,
    before_label: str,
    after_label: str,
    raw: bool = False,
) -> DiffResult:
    """Compare two snapshots: what changed, in the strategy's own terms."""
    old_files, new_files = ConfigFiles.from_mapping(before), ConfigFiles.from_mapping(after)
    old_config, new_config = old_files.data("model-config"), new_files.data("model-config")
    old_strategy, new_strategy = old_files.strategy(), new_files.strategy()
    changes = _mode_changes(old_files.data("modes"), new_files.data("modes"))
    if old_strategy and new_strategy:
        changes += _strategy_changes(old_strategy, new_strategy, old_config, new_config)
    else:  # one side is not schema-valid: compare it value by value
        changes += _compare("model-config", "model-config", _leaves(old_config), _leaves(new_config))
    changes += _price_changes(old_files.data("prices"), new_files.data("prices"))
    # Everything a diff holds is printed somewhere: secrets never get that far.
    return DiffResult(
        before_label,
        after_label,
        [change.redacted() for change in changes],
        unified_diff(before, after, before_label, after_label) if raw else None,
    )


def unified_diff(before: FileSet, after: FileSet, before_label: str, after_label: str) -> str:
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        old = before.get(name, b"").decode("utf-8", errors="replace").splitlines(keepends=True)
        new = after.get(name, b"").decode("utf-8", errors="replace").splitlines(keepends=True)
        out.extend(difflib.unified_diff(old, new, f"{before_label}/{name}", f"{after_label}/{name}"))

    return redact_text("".join(out))
