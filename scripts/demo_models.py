"""A stand-in for the providers in `make demo`: an OpenAI-compatible
POST /v1/chat/completions that answers the demo's eval questions ("What is A
times B?") for any model, with a usage object, as a real endpoint would.

    python scripts/demo_models.py --port 8080
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from demo_server import serve_json

QUESTION = re.compile(r"What is (\d+) times (\d+)")


def completion(request: dict[str, Any]) -> dict[str, Any]:
    asked = str(request.get("messages", [{}])[-1].get("content", ""))
    found = QUESTION.search(asked)
    said = str(int(found.group(1)) * int(found.group(2))) if found else "I do not know."
    return {
        "id": "chatcmpl-demo",
        "object": "chat.completion",
        "model": request.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": said}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": len(asked.split()) + 8,
            "completion_tokens": 2,
            "total_tokens": len(asked.split()) + 10,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    def answer(method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method != "POST" or not path.endswith("/chat/completions"):
            return 404, {"error": {"message": "not found"}}
        return 200, completion(json.loads(body or b"{}"))

    serve_json(args.port, answer)


if __name__ == "__main__":
    main()
