"""Bundles as hybridctl renders them, from the shipped strategy and a candidate
that puts the critic on Flash Lite, and the events LiteLLM hands the plug-in,
for the gateway tests and the gateway benchmark."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from hybridctl.remote.contract import bundle_digest
from tests.helpers import CONFIGS
from tests.remote.helpers import bundle as contract_bundle

CHEAP = "gemini-2.5-flash-lite"
ROLLOUT = "20261206-abcdef12"
PROMPT = "the prompt of a customer, never to be written anywhere"


def strategy() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((CONFIGS / "model-config.json").read_text())
    return config


def make_bundle(
    weight: int = 10,
    *,
    enabled: bool = True,
    forced: dict[str, str] | None = None,
    candidate: dict[str, Any] | None = None,
    rollout: str = ROLLOUT,
) -> dict[str, Any]:
    """A schema-valid bundle with its digest, of the shipped strategy; the candidate
    defaults to the critic on Flash Lite."""
    stable = strategy()
    if candidate is None:
        candidate = copy.deepcopy(stable)
        candidate["roles"]["critic"]["primary"] = CHEAP
    made = contract_bundle(weight)
    made.update(rollout_id=rollout, enabled=enabled, forced=forced or {})
    made["stable"]["modelConfig"] = stable
    made["candidate"]["modelConfig"] = candidate
    made["digest"] = bundle_digest(made)
    return made


class Key:
    key_alias = "team-key"


def event(data: dict[str, Any], model: str, cost: float) -> dict[str, Any]:
    """What LiteLLM's logging hands a callback for one model call."""
    now = time.time()
    payload = {
        "id": "chatcmpl-1",
        "call_type": "acompletion",
        "startTime": now - 0.5,
        "endTime": now,
        "model_group": model,
        "custom_llm_provider": "openai",
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "total_tokens": 120,
        "response_cost": cost,
        "end_user": data.get("user"),
        "messages": data["messages"],
        "response": {"choices": [{"message": {"content": PROMPT}}]},
        "metadata": {"usage_object": {"prompt_tokens": 100, "completion_tokens": 20}},
    }
    return {"litellm_params": {"metadata": data["metadata"]}, "standard_logging_object": payload}
