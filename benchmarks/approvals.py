"""What does a long-lived escalation queue cost the commands that read it?

Builds a setup whose store holds `--requests` escalation requests (default
3,000: a year of a busy team), each as hybridctl records it: the request with
its first alert claimed, the alert's delivery, and the decision, three real
records apiece, written straight into git with `git fast-import`. Then times,
alternately and each in a fresh process:

- `hybridctl escalation queue --json` and `queue --pending --json`;
- `hybridctl escalation sweep` with nothing due (what cron pays every minute);
- `hybridctl report escalations --json`;
- for reference, `git log` of exactly those records (the floor: reading them),
  and `hybridctl --version` (start-up).

It prints the medians and each command's time against `git log`. It asserts
nothing.

    python benchmarks/approvals.py [--requests 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hybridctl.config.model import Strategy  # noqa: E402
from hybridctl.escalations.deadlines import Alert  # noqa: E402
from hybridctl.escalations.queue import decided_event, fold, requested_event  # noqa: E402
from hybridctl.times import format_utc  # noqa: E402


def run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def events_of(
    n: int, start: datetime, strategy: Strategy
) -> list[tuple[datetime, str, list[dict[str, Any]]]]:
    """(time, title, events) of the three records of request n."""
    assert strategy.escalation is not None and strategy.escalation.approval is not None
    approval = strategy.escalation.approval
    created = start + timedelta(minutes=10 * n)
    request_id = f"esc-{n:08x}"
    made = requested_event(
        request_id, role="architect", reason=f"task {n}", requester="bench", now=created,
        context={"affected_services": 4, "security_impact": "auth_bypass", "task_id": f"t-{n}"},
        score=0.7, criteria=["multiServiceImpact", "securityCritical"], model="claude-4.1-opus",
        approval=approval,
    )  # fmt: skip
    request = fold([made])[request_id]
    claim = Alert(request, request.schedule()[0]).claim(created)
    sent = {"hook": "https://hooks.example/…", "ok": True, "why": "delivered", "attempts": 1}
    delivered = {"event": "delivered", "id": request_id, "step": "created", "team": "primary",
                 "time": format_utc(created), "sent": [sent]}  # fmt: skip
    decided_at = created + timedelta(minutes=5 + n % 40)
    verdict = "approved" if n % 4 else "rejected"
    decision = decided_event(request, verdict, actor="tech_lead", reason="reviewed", now=decided_at)
    return [
        (created, f"{request_id} requested for architect: task {n}", [made, claim]),
        (created, "alerts delivered: 1 of 1", [delivered]),
        (decided_at, f"{request_id} {verdict}: reviewed", [decision]),
    ]


def grow(store: Path, requests: int, strategy: Strategy) -> None:
    """Append each request's records after the store's head, as hybridctl writes them."""
    head = subprocess.run(
        ["git", "-C", str(store), "log", "-1", "--format=%B"], capture_output=True, text=True, check=True
    ).stdout
    record = json.loads(head.strip().splitlines()[-1].removeprefix("hybridctl-record: "))
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    stream, revision = [], record["revision"]
    for n in range(requests):
        for when, title, events in events_of(n, start, strategy):
            revision += 1
            entry = {**record, "revision": revision, "kind": "escalation", "actor": "bench", "reason": title,
                     "time": format_utc(when), "validation": None, "checked_by": None,
                     "details": {"escalation": {"events": events}}}  # fmt: skip
            data = (
                f"escalation r{revision}: {title}\n\nhybridctl-record: {json.dumps(entry, sort_keys=True)}\n"
            )
            stamp = int(when.timestamp())
            stream.append(
                f"commit refs/heads/main\ncommitter bench <bench@localhost> {stamp} +0000\n".encode()
                + f"data {len(data.encode())}\n".encode()
                + data.encode()
                + (b"from refs/heads/main^0\n" if revision == record["revision"] + 1 else b"")
                + b"\n"
            )
    git = ["git", "-C", str(store)]
    subprocess.run([*git, "fast-import", "--quiet", "--force"], input=b"".join(stream), check=True)
    subprocess.run([*git, "reset", "--hard", "-q", "main"], check=True)
    commits = subprocess.run(
        [*git, "rev-list", "--reverse", "main"], capture_output=True, text=True, check=True
    )
    refs = "".join(
        f"update refs/hybridctl/revisions/{n} {sha}\n" for n, sha in enumerate(commits.stdout.split(), 1)
    )
    subprocess.run([*git, "update-ref", "--stdin"], input=refs.encode(), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    hybridctl = [sys.executable, "-m", "hybridctl"]
    os.environ["HYBRIDCTL_ACTOR"] = "bench"
    strategy = Strategy.from_dict(json.loads((ROOT / "configs" / "model-config.json").read_text()))
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "setup"
        subprocess.run([*hybridctl, "init", str(root)], cwd=temp, check=True, stdout=subprocess.DEVNULL)
        grow(root / "backups", args.requests, strategy)
        cases = {
            "escalation queue --json": [*hybridctl, "escalation", "queue", "--json"],
            "escalation queue --pending": [*hybridctl, "escalation", "queue", "--pending", "--json"],
            "escalation sweep (nothing due)": [*hybridctl, "escalation", "sweep"],
            "report escalations --json": [*hybridctl, "report", "escalations", "--json"],
            "git log of them (reference)": [
                "git", "-C", "backups", "log", "--format=%H%x00%B%x1e", "--grep=^escalation r[0-9]", "main",
            ],
            "hybridctl --version": [*hybridctl, "--version"],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, command in cases.items():
                times[name].append(run(command, root))
        reference = statistics.median(times["git log of them (reference)"])
        print(f"python {sys.version.split()[0]}; {args.requests:,} requests ({3 * args.requests:,} records); "
              f"{args.rounds} alternating rounds")  # fmt: skip
        print(f"{'':32} {'median':>10} {'vs git log':>11}")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:32} {median * 1000:>7.0f} ms {median / reference:>10.2f}x")


if __name__ == "__main__":
    main()
