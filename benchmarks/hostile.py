"""How validate's time grows on hostile configs: each shape at n and 4n.

A check that is near-linear takes about 4x as long at 4n; a quadratic one
16x. Prints, for each shape, both times, peak memory and the ratio, run in
this process one after the other (a reference of the same code at n).

    python benchmarks/hostile.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODES = (REPO / "configs" / "modes.yml").read_text()


def unique_items(n: int) -> str:
    """uniqueItems over n aliases of one anchored group."""
    head = "customModes:\n  - slug: a\n    name: A\n    roleDefinition: x\n    groups:\n"
    return head + "      - &g [edit, {fileRegex: x, description: d}]\n" + "      - *g\n" * n


def model_mentions(n: int) -> str:
    """n model names in one role's instructions (instruction drift)."""
    at = MODES.index("\n", MODES.index("customInstructions")) + 1
    words = " ".join(f"gpt-{k} glm-4.5" for k in range(n))
    return MODES[:at] + "      " + words + "\n" + MODES[at:]


def duplicate_keys(n: int) -> str:
    return "customModes: []\n" + "".join(f"k: {i}\n" for i in range(n))


def list_items(n: int) -> str:
    return "customModes:\n" + "- a\n" * n


def key_aliases(n: int) -> str:
    """n mappings keyed by an alias of one anchored list (billion laughs through keys)."""
    return "a: &a [x, x, x, x, x, x, x, x, x, x]\nb:\n" + "  - {*a : 1}\n" * n


SHAPES: list[tuple[str, Callable[[int], str], int, bool]] = [
    ("uniqueItems over aliases", unique_items, 5_000, False),
    ("model mentions (with model-config)", model_mentions, 12_500, True),
    ("duplicate keys", duplicate_keys, 2_500, False),
    ("list items", list_items, 250_000, False),
    ("aliases as mapping keys", key_aliases, 25_000, False),
]


def measure(text: str, pair: bool, work: Path) -> tuple[float, int]:
    """Wall time and peak memory (bytes) of `hybridctl validate` on the text, as users run it."""
    for old in work.iterdir():
        old.unlink()
    (work / "modes.yml").write_text(text)
    if pair:
        shutil.copy(REPO / "configs" / "model-config.json", work)
    target = [str(work)] if pair else [str(work / "modes.yml"), "--kind", "modes"]
    command = [sys.executable, "-m", "hybridctl", "validate", *target, "--format", "json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n")
    scale = parser.parse_args().scale
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        print(f"{'shape':36} {'n':>9} {'time':>8} {'4n':>9} {'time':>8} {'ratio':>6} {'peak 4n':>9}")
        for name, make, n, pair in SHAPES:
            n = max(1, int(n * scale))
            small, _ = measure(make(n), pair, work)
            large, peak = measure(make(4 * n), pair, work)
            print(
                f"{name:36} {n:>9,} {small:>7.2f}s {4 * n:>9,} {large:>7.2f}s {large / small:>5.1f}x "
                f"{peak / 2**20:>7.0f} MiB"
            )
        print("near-linear is about 4x; quadratic would be about 16x")


if __name__ == "__main__":
    main()
