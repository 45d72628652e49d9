"""A stand-in for a team's chat channel (a Slack or Teams incoming webhook):
every event POSTed to it is appended, as the line a person would read, to a
log the demo shows."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from demo_server import serve_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    options = parser.parse_args()

    def answer(method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method == "POST":
            try:
                text = str(json.loads(body).get("text", ""))
            except (ValueError, AttributeError):
                return 400, {"error": "not JSON"}
            with options.log.open("a", encoding="utf-8") as log:
                log.write(f"[{path.strip('/') or 'channel'}] {text}\n")
        return 200, {"ok": True}

    serve_json(options.port, answer)


if __name__ == "__main__":
    main()
