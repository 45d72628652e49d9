"""Does a store that lives for years slow hybridctl down?

Builds two setups, one with 10 recorded revisions and one with 10,000 (the
extra revisions are written straight into git with `git fast-import`, each a
real hybridctl record), stages a candidate in each, then times, alternately
and each in a fresh process:

- `hybridctl --version` (start-up);
- a transition: `pause` and `resume` in turn (each one store commit);
- `hybridctl status`;
- `hybridctl history --json`, against `git log` of the same store.

It prints the medians, and the ratio of the large store to the small one
(1.0x: the size of the history does not matter). It asserts nothing.

    python benchmarks/store.py [--revisions 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HYBRIDCTL = [sys.executable, "-m", "hybridctl"]


def run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def grow(store: Path, revisions: int) -> None:
    """Append records until the store holds `revisions`, with git fast-import."""
    head = subprocess.run(
        ["git", "-C", str(store), "log", "-1", "--format=%B"], capture_output=True, text=True, check=True
    ).stdout
    record = json.loads(head.strip().splitlines()[-1].removeprefix("hybridctl-record: "))
    stream = []
    for revision in range(record["revision"] + 1, revisions + 1):
        entry = {**record, "revision": revision, "kind": "restore", "reason": f"filler {revision}"}
        message = f"restore r{revision}: filler\n\nhybridctl-record: {json.dumps(entry, sort_keys=True)}\n"
        data = message.encode()
        stream.append(
            b"commit refs/heads/main\ncommitter hybridctl <hybridctl@localhost> 1764547200 +0000\n"
            + f"data {len(data)}\n".encode()
            + data
            + (b"from refs/heads/main^0\n" if revision == record["revision"] + 1 else b"")
            + b"\n"
        )
    subprocess.run(
        ["git", "-C", str(store), "fast-import", "--quiet", "--force"], input=b"".join(stream), check=True
    )
    subprocess.run(["git", "-C", str(store), "reset", "--hard", "-q", "main"], check=True)
    # hybridctl keeps one ref per revision (its index); make them as it would have.
    commits = subprocess.run(
        ["git", "-C", str(store), "rev-list", "--reverse", "main"], capture_output=True, text=True, check=True
    ).stdout.split()
    refs = "".join(f"create refs/hybridctl/revisions/{n} {sha}\n" for n, sha in enumerate(commits, 1))
    existing = subprocess.run(
        ["git", "-C", str(store), "for-each-ref", "--format=%(refname)", "refs/hybridctl/revisions"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    refs = "".join(line for line in refs.splitlines(keepends=True) if line.split()[1] not in existing)
    subprocess.run(["git", "-C", str(store), "update-ref", "--stdin"], input=refs.encode(), check=True)


def setup(base: Path, revisions: int) -> Path:
    root = base / f"r{revisions}"
    env = {**os.environ, "HYBRIDCTL_ACTOR": "bench"}
    subprocess.run([*HYBRIDCTL, "init", str(root)], check=True, stdout=subprocess.DEVNULL, env=env)
    grow(root / "backups", revisions)
    config = root / "configs" / "model-config.json"
    data = json.loads(config.read_text())
    data["budgets"]["daily"] = 70
    config.write_text(json.dumps(data, indent=2) + "\n")
    subprocess.run(
        [*HYBRIDCTL, "stage", "-r", "bench"], cwd=root, check=True, stdout=subprocess.DEVNULL, env=env
    )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "hybridctl", quiet=1)  # as an installed wheel has
    os.environ["HYBRIDCTL_ACTOR"] = "bench"
    with tempfile.TemporaryDirectory() as temp:
        small, large = setup(Path(temp), 10), setup(Path(temp), args.revisions)
        cases: dict[str, Callable[[Path, int], float]] = {
            "--version": lambda root, i: run([*HYBRIDCTL, "--version"], root),
            "transition (pause/resume)": lambda root, i: run(
                [*HYBRIDCTL, "pause" if i % 2 == 0 else "resume", "-r", "bench"], root
            ),
            "status": lambda root, i: run([*HYBRIDCTL, "status"], root),
            "history --json": lambda root, i: run([*HYBRIDCTL, "history", "--json"], root),
            "git log (reference)": lambda root, i: run(
                ["git", "-C", "backups", "log", "--format=%H %B"], root
            ),
        }
        version = sys.version.split()[0]
        print(f"python {version}; {args.rounds} alternating rounds; 10 vs {args.revisions:,} revisions")
        print(f"{'':28} {'10 revisions':>14} {f'{args.revisions:,} revisions':>18} {'ratio':>8}")
        for name, case in cases.items():
            times: dict[Path, list[float]] = {small: [], large: []}
            for i in range(args.rounds * 2):  # an even count: pause and resume alternate
                for root in (small, large):
                    times[root].append(case(root, i))
            a, b = statistics.median(times[small]), statistics.median(times[large])
            print(f"{name:28} {a * 1000:>11.0f} ms {b * 1000:>15.0f} ms {b / a:>7.2f}x")


if __name__ == "__main__":
    main()
