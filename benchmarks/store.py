"""Does a store that lives for years slow hybridctl down?

Builds two setups, one with 10 recorded revisions and one with 10,000 (the
extra revisions are written straight into git with `git fast-import`, each a
real hybridctl record), stages a candidate in each, then times, alternately
and each in a fresh process:

- `hybridctl --version` (start-up);
- a transition: `pause` and `resume` in turn (each one store commit);
- `hybridctl status`;
- `hybridctl history --json`, against `git log` of the same store;
- for reference, the interpreter's own start-up and `import typer`, the part
  of every command that is not hybridctl's.

It prints the medians, the ratio of the large store to the small one (1.0x:
the size of the history does not matter), and whether a transition stays
under 150 ms. It asserts nothing.

`--python` times the hybridctl another interpreter imports, so an earlier
release (installed with `pip install -e` into a venv of its own) is measured
beside this one on the same machine on the same day.

    python benchmarks/store.py [--revisions 10000] [--rounds 7] [--python PATH]
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

TRANSITION_BUDGET = 0.150  # seconds


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


def setup(hybridctl: list[str], base: Path, revisions: int) -> Path:
    root = base / f"r{revisions}"
    env = {**os.environ, "HYBRIDCTL_ACTOR": "bench"}
    # in the temporary directory, so no release reads anything of the directory the benchmark runs in
    subprocess.run([*hybridctl, "init", str(root)], cwd=base, check=True, stdout=subprocess.DEVNULL, env=env)
    grow(root / "backups", revisions)
    config = root / "configs" / "model-config.json"
    data = json.loads(config.read_text())
    data["budgets"]["daily"] = 70
    config.write_text(json.dumps(data, indent=2) + "\n")
    subprocess.run(
        [*hybridctl, "stage", "-r", "bench"], cwd=root, check=True, stdout=subprocess.DEVNULL, env=env
    )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose hybridctl to time")
    args = parser.parse_args()
    python = str(args.python)
    hybridctl = [python, "-m", "hybridctl"]
    package = subprocess.run(
        [python, "-c", "import hybridctl, os; print(os.path.dirname(hybridctl.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    compileall.compile_dir(package, quiet=1)  # as an installed wheel has
    os.environ["HYBRIDCTL_ACTOR"] = "bench"
    with tempfile.TemporaryDirectory() as temp:
        small, large = setup(hybridctl, Path(temp), 10), setup(hybridctl, Path(temp), args.revisions)
        cases: dict[str, Callable[[Path, int], float]] = {
            "--version": lambda root, i: run([*hybridctl, "--version"], root),
            "transition (pause/resume)": lambda root, i: run(
                [*hybridctl, "pause" if i % 2 == 0 else "resume", "-r", "bench"], root
            ),
            "status": lambda root, i: run([*hybridctl, "status"], root),
            "history --json": lambda root, i: run([*hybridctl, "history", "--json"], root),
            "git log (reference)": lambda root, i: run(
                ["git", "-C", "backups", "log", "--format=%H %B"], root
            ),
            "python start-up (reference)": lambda root, i: run([python, "-c", "pass"], root),
            "import typer (reference)": lambda root, i: run([python, "-c", "import typer"], root),
        }
        version = sys.version.split()[0]
        print(f"{package}; python {version}")
        print(f"{args.rounds} alternating rounds; 10 vs {args.revisions:,} revisions")
        print(f"{'':28} {'10 revisions':>14} {f'{args.revisions:,} revisions':>18} {'ratio':>8}")
        medians: dict[str, tuple[float, float]] = {}
        for name, case in cases.items():
            times: dict[Path, list[float]] = {small: [], large: []}
            for i in range(args.rounds * 2):  # an even count: pause and resume alternate
                for root in (small, large):
                    times[root].append(case(root, i))
            a, b = statistics.median(times[small]), statistics.median(times[large])
            medians[name] = (a, b)
            print(f"{name:28} {a * 1000:>11.0f} ms {b * 1000:>15.0f} ms {b / a:>7.2f}x")
        slowest = max(medians["transition (pause/resume)"])
        verdict = "under" if slowest < TRANSITION_BUDGET else "over"
        print(f"a transition: {slowest * 1000:.0f} ms at most, {verdict} {TRANSITION_BUDGET * 1000:.0f} ms")


if __name__ == "__main__":
    main()
