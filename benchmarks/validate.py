"""Time `hybridctl validate` against check-jsonschema on the same input.

hybridctl checks both default config files plus the cross-file rules;
check-jsonschema checks only the modes file against the same schema. The two
commands run alternately (order swapped every round, so neither always runs on
a warmer cache) and the script prints the median wall time of each and their
ratio. It measures; it asserts nothing.

    python benchmarks/validate.py [--rounds 21] [--modes FILE]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.8  # the full jsonschema implementation costs ~90 ms of import over the old subset (0.5x)


def executable(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed; run: pip install -e '.[bench]'")
    return found


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def compare(label: str, ours: list[str], reference: list[str], rounds: int) -> float:
    times: dict[str, list[float]] = {"hybridctl": [], "check-jsonschema": []}
    wall_time(ours)  # warm the page cache and .pyc files for both
    wall_time(reference)
    for index in range(rounds):
        pairs = [("hybridctl", ours), ("check-jsonschema", reference)]
        for name, command in pairs if index % 2 == 0 else reversed(pairs):
            times[name].append(wall_time(command))
    ours_median = statistics.median(times["hybridctl"])
    reference_median = statistics.median(times["check-jsonschema"])
    ratio = ours_median / reference_median
    print(f"\n{label}")
    for name, values in times.items():
        print(
            f"  {name:<17} median {statistics.median(values) * 1000:7.1f} ms   "
            f"min {min(values) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms   ({len(values)} runs)"
        )
    print(
        f"  ratio hybridctl / check-jsonschema: {ratio:.2f}x (goal <= {GOAL}x: "
        f"{'met' if ratio <= GOAL else 'not met'})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--modes", type=Path, help="also compare on this modes file (e.g. a large .roomodes)")
    args = parser.parse_args()
    hybridctl = executable("hybridctl")
    check_jsonschema = executable("check-jsonschema")
    schema = str(ROOT / "schemas" / "modes.schema.json")
    os.environ.pop("GITHUB_ACTIONS", None)  # same text output in CI as on a laptop
    # pip byte-compiles an installed wheel; do the same for an editable checkout,
    # or every run would recompile hybridctl's sources while check-jsonschema does not.
    compileall.compile_dir(ROOT / "hybridctl", quiet=1)
    print(f"python {sys.version.split()[0]} on {sys.platform}; {args.rounds} alternating rounds")
    compare(
        "default configs (hybridctl: both files + cross-file rules; check-jsonschema: modes.yml)",
        [hybridctl, "validate", str(ROOT / "configs")],
        [check_jsonschema, "--schemafile", schema, str(ROOT / "configs" / "modes.yml")],
        args.rounds,
    )
    if args.modes:
        compare(
            f"{args.modes.name} ({args.modes.stat().st_size:,} bytes, modes schema only)",
            [hybridctl, "validate", "--kind", "modes", str(args.modes)],
            [check_jsonschema, "--schemafile", schema, str(args.modes)],
            args.rounds,
        )


if __name__ == "__main__":
    main()
