"""Prices of the default catalog and figures computed here, independently of
hybridctl, for the report tests and the command-line report tests."""

from __future__ import annotations

import math
from typing import Any

# USD per million tokens (input, output, cache read) of the default catalog
PRICES = {
    "glm-4.5": (0.6, 2.2, None),
    "claude-4.1-opus": (15.0, 75.0, 1.5),
    "gemini-2.5-flash-lite": (0.1, 0.4, None),
    "openrouter/sonoma-sky-alpha": (0.0, 0.0, None),
    "meta-llama/llama-3.2-3b-instruct:free": (0.0, 0.0, None),
}


def price(model: str, event: dict[str, Any]) -> float:
    inp, out, cache = PRICES[model]
    cached = min(event.get("cached_tokens", 0), event["input_tokens"])
    cache = inp if cache is None else cache
    return float((event["input_tokens"] - cached) * inp + cached * cache + event["output_tokens"] * out) / 1e6


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
