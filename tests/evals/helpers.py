"""An OpenAI-compatible chat completions server written for the tests, whose
models behave as each test needs, and eval suites to run on it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import Answer, JsonServer, Project

CHEAP = "gemini-2.5-flash-lite"
QUESTIONS = {
    f"What is {a} times {b}? Answer with the number only.": a * b
    for a, b in [(6, 7), (3, 9), (12, 12), (8, 5), (7, 7), (9, 4), (11, 3), (5, 13), (14, 2), (6, 6)]
}
TRICKY = {text for n, text in enumerate(QUESTIONS) if n % 5 == 0}  # 2 of the 10


class ChatServer(JsonServer):
    """POST /v1/chat/completions: each model answers by its behaviour: "right",
    "wrong-on-tricky" (one more than right on TRICKY questions), "slow" (right,
    after ``delay`` seconds) or "failing" (HTTP 500). Records each request's
    model and Authorization header."""

    def __init__(self, behaviour: dict[str, str], *, delay: float = 0.3, key: str | None = None) -> None:
        self.behaviour = behaviour
        self.asked: list[tuple[str, str | None]] = []

        def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
            if method != "POST" or not path.endswith("/chat/completions"):
                return 404, {"error": {"message": "not found"}}
            if key is not None and headers.get("Authorization") != f"Bearer {key}":
                return 401, {"error": {"message": "invalid api key"}}
            request = json.loads(body)
            model, question = request["model"], request["messages"][-1]["content"]
            self.asked.append((model, headers.get("Authorization")))
            kind = self.behaviour.get(model, "right")
            if kind == "failing":
                return 500, {"error": {"message": "upstream down"}}
            if kind == "slow":
                time.sleep(delay)
            right = QUESTIONS.get(question, 0)
            said = right + 1 if kind == "wrong-on-tricky" and question in TRICKY else right
            return 200, {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": str(said)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 2, "total_tokens": 22},
            }

        super().__init__(answer)


def suite(
    repeats: int = 2,
    *,
    role: str = "critic",
    extra: list[dict[str, Any]] | None = None,
    latency_s: float = 30.0,
) -> dict[str, Any]:
    """The ten questions; ``latency_s`` the most an answer may take (generous, but for
    the test that sets a slow model against it: a loaded machine must not fail the rest)."""
    return {
        "version": 1,
        "name": "arithmetic",
        "repeats": repeats,
        "cases": [
            {
                "name": f"q{n}",
                "role": role,
                "messages": [{"role": "user", "content": text}],
                "assert": [{"type": "number", "value": value}, {"type": "max-latency", "value": latency_s}],
            }
            for n, (text, value) in enumerate(QUESTIONS.items())
        ]
        + (extra or []),
    }


def write_suite(project: Project, data: dict[str, Any], name: str = "arithmetic.yml") -> Path:
    path = project.configs / "evals" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def candidate_on_cheap(project: Project) -> None:
    def change(config: dict[str, Any]) -> None:
        config["roles"]["critic"]["primary"] = CHEAP

    project.edit_config(change)
