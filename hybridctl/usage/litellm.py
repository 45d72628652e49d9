"""Import LiteLLM's price map (model_prices_and_context_window.json).

Its prices are per token (``input_cost_per_token``, ...); the overrides file
is per million, like the catalog. Keys that are not models (``sample_spec``
documents the format) and entries without token prices (image or audio
models) are skipped. An entry with a per-token price of $0.001 or more —
$1,000 per million tokens — is almost certainly a per-million price typed in
the per-token field; it is flagged and left out unless accepted explicitly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from hybridctl.config.model import Pricing
from hybridctl.errors import UsageError
from hybridctl.fsutil import atomic_write
from hybridctl.usage.prices import load_overrides, overrides_document

SUSPICIOUS_PER_TOKEN = 0.001
_FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
)


class ImportResult(NamedTuple):
    imported: dict[str, Pricing]
    skipped: list[tuple[str, str]]  # model, why
    suspicious: list[tuple[str, str, float]]  # model, field, value

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "imported": len(self.imported),
            "skipped": [{"model": m, "why": w} for m, w in self.skipped],
            "suspicious": [{"model": m, "field": f, "value": v} for m, f, v in self.suspicious],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 9)  # 6e-07 * 1e6 is 0.6000000000000001 otherwise


def _is_price(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _rounded(pricing: Pricing) -> Pricing:
    """Per-token prices times a million, without the float noise of the product."""
    tier = pricing.above
    return Pricing(
        round(pricing.input_per_million, 9),
        round(pricing.output_per_million, 9),
        _round(pricing.cache_read_per_million),
        _round(pricing.cache_write_per_million),
        None
        if tier is None
        else tier._replace(
            input_per_million=round(tier.input_per_million, 9),
            output_per_million=round(tier.output_per_million, 9),
            cache_read_per_million=_round(tier.cache_read_per_million),
            cache_write_per_million=_round(tier.cache_write_per_million),
        ),
    )


def import_litellm(
    data: Any,
    *,
    catalog: frozenset[str] = frozenset(),
    include_catalog: bool = False,
    only: frozenset[str] | None = None,
    accept_suspicious: bool = False,
) -> ImportResult:
    """Prices from the map, per million; models the catalog prices are left to it
    unless ``include_catalog``."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object of models, as in model_prices_and_context_window.json")
    imported: dict[str, Pricing] = {}
    skipped: list[tuple[str, str]] = []
    suspicious: list[tuple[str, str, float]] = []
    for name, entry in data.items():
        if only is not None and name not in only:
            continue
        if name == "sample_spec" or not isinstance(entry, dict):
            skipped.append((name, "not a model entry"))
            continue
        values = {f: entry.get(f) for f in _FIELDS}
        if not all(
            isinstance(values[f], (int, float)) and not isinstance(values[f], bool) for f in _FIELDS[:2]
        ):
            skipped.append((name, "no per-token input and output prices"))
            continue
        if name.lower() in catalog and not include_catalog:
            skipped.append((name, "priced by the model catalog"))
            continue
        flagged = [
            (name, f, float(v))
            for f, v in values.items()
            if isinstance(v, (int, float)) and v >= SUSPICIOUS_PER_TOKEN
        ]
        if flagged:
            suspicious.extend(flagged)
            if not accept_suspicious:
                continue
        imported[name] = _rounded(Pricing.from_dict({k: v for k, v in entry.items() if _is_price(v)}))
    return ImportResult(imported, skipped, suspicious)


def import_into(
    source: Path,
    target: Path,
    *,
    catalog: frozenset[str],
    imported_at: str,
    only: frozenset[str] | None = None,
    include_catalog: bool = False,
    accept_suspicious: bool = False,
) -> ImportResult:
    """Import ``source`` into the overrides file ``target``, merged over what it
    holds, atomically; nothing changes when ``source`` is bad. The caller holds
    the setup's lock."""

    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        result = import_litellm(
            data,
            catalog=catalog,
            include_catalog=include_catalog,
            only=only,
            accept_suspicious=accept_suspicious,
        )
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot import {source}: {exc}", hint="pass LiteLLM's price map JSON") from None
    merged = {**load_overrides(target), **result.imported}
    document = overrides_document(merged, f"litellm:{source.name}", imported_at)
    atomic_write(target, (json.dumps(document, indent=2) + "\n").encode())
    return result
