"""Time `hybridctl report usage --by role,model` against DuckDB on the same file,
in every shape logs come in.

Generates N usage events (default 1,000,000; kept between runs in
benchmarks/.data) and writes them in each shape: times ending in Z, with
Python's +00:00, with a fraction and +02:00, as epoch seconds and epoch
milliseconds; with UTF-8 text in a field the report does not read; as CSV;
gzip-compressed. For each shape it runs, alternately and each in a fresh
process:

- hybridctl, cold: --no-cache, every event read;
- DuckDB: read_json (read_csv for CSV) + GROUP BY role, model +
  quantile_cont for p50/p95/p99, the equivalent SQL;

and for the Z shape also hybridctl warm (from its cache). It prints a table of
medians, the ratio to DuckDB, each one's peak memory (the largest sum of
resident memory over the process and its children, sampled from /proc every
10 ms), and how many records hybridctl's fast reader took and how many the
general path read. It measures; it asserts nothing.

    python benchmarks/report.py [--events 1000000] [--rounds 3] [--shapes z,offset,csv]
"""

from __future__ import annotations

import argparse
import compileall
import csv
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
ROLES = {
    "orchestrator": (0.25, 2000, 400),
    "implementer": (0.35, 4000, 1200),
    "critic": (0.20, 3000, 600),
    "architect": (0.10, 6000, 1500),
    "integrator": (0.10, 5000, 1000),
}
DUCKDB_SQL = """
SELECT role, model, count(*) AS requests, sum(input_tokens), sum(output_tokens), sum(cached_tokens),
       avg(CASE WHEN status <> 'ok' THEN 1.0 ELSE 0.0 END) AS error_rate,
       quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95), quantile_cont(latency_ms, 0.99)
FROM {reader}('{path}') GROUP BY role, model ORDER BY role, model
"""


def events(count: int) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """Events shaped like `hybridctl simulate` writes, over 30 days; seeded."""
    rng = random.Random(1)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    roles = list(ROLES)
    shares = [ROLES[r][0] for r in roles]
    step = timedelta(days=30) / count
    for i in range(count):
        role = rng.choices(roles, shares)[0]
        escalated = role in ("architect", "integrator") and rng.random() < 0.03
        model = (
            "claude-4.1-opus" if escalated else ("gemini-2.5-flash-lite" if rng.random() < 0.1 else "glm-4.5")
        )
        failed = rng.random() < 0.01
        _, mean_in, mean_out = ROLES[role]
        yield (
            start + step * i,
            {
                "request_id": f"req-{i:08d}",
                "user": f"user-{rng.randrange(20000):05d}",
                "role": role,
                "model": model,
                "provider": "anthropic" if escalated else "zai",
                "variant": "candidate" if rng.random() < 0.1 else "stable",
                "escalated": escalated,
                "input_tokens": max(1, int(rng.gauss(mean_in, mean_in / 4))),
                "output_tokens": 0 if failed else max(1, int(rng.gauss(mean_out, mean_out / 4))),
                "cached_tokens": rng.randrange(0, 600),
                "latency_ms": round(rng.lognormvariate(0.2, 0.35) * 1000, 1),
                "status": "error" if failed else "ok",
            },
        )


PLUS_TWO = timezone(timedelta(hours=2))
# shape: (file suffix, the time as that shape writes it, extra fields)
SHAPES: dict[str, tuple[str, Callable[[datetime], Any], dict[str, str]]] = {
    "z": (".jsonl", lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), {}),
    "offset": (".jsonl", lambda t: t.isoformat(), {}),  # Python's own: +00:00
    "offset+02": (".jsonl", lambda t: t.astimezone(PLUS_TWO).isoformat(), {}),
    "epoch-s": (".jsonl", lambda t: int(t.timestamp()), {}),
    "epoch-ms": (".jsonl", lambda t: int(t.timestamp() * 1000), {}),
    "epoch-float": (".jsonl", lambda t: t.timestamp(), {}),  # time.time(): seconds with a fraction
    "utf8": (
        ".jsonl",
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        {"note": "Résumé du plan ✓ 計画の確認"},
    ),
    "csv": (".csv", lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), {}),
    "gzip": (".jsonl.gz", lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), {}),
}


def generate(path: Path, shape: str, count: int) -> None:
    suffix, timed, extra = SHAPES[shape]
    opener = gzip.open if suffix.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as out:
        if suffix == ".csv":
            writer: Any = None
            for moment, event in events(count):
                row = {"time": timed(moment), **event, **extra}
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
            return
        for moment, event in events(count):
            out.write(json.dumps({"time": timed(moment), **event, **extra}, ensure_ascii=False) + "\n")


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    family = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    total = 0
    for member in family:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak resident KiB of the whole process tree."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{command[0]} failed: {err.decode()[-500:]}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--shapes", default=",".join(SHAPES), help="comma-separated, of: " + ", ".join(SHAPES)
    )
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("this benchmark samples memory from /proc (Linux)")
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown:
        sys.exit(f"unknown shape(s): {', '.join(unknown)}; choose from {', '.join(SHAPES)}")
    DATA.mkdir(exist_ok=True)
    # as an install has it, whatever PYTHONDONTWRITEBYTECODE says
    compileall.compile_dir(ROOT / "hybridctl", quiet=1)
    hybridctl = str(Path(sys.executable).parent / "hybridctl")
    cache = Path(tempfile.mkdtemp(prefix="hybridctl-bench-cache-"))
    env = {**os.environ, "HYBRIDCTL_CACHE_DIR": str(cache)}
    env.pop("GITHUB_ACTIONS", None)
    print(
        f"{args.events:,} events per shape; python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"{args.rounds} alternating rounds; medians",
        flush=True,
    )
    print(f"{'shape':<10} {'MB':>6} {'hybridctl':>10} {'duckdb':>8} {'ratio':>6} {'memory':>16}  by path")
    for shape in shapes:
        path = DATA / f"usage-{args.events}-{shape}{SHAPES[shape][0]}"
        if not path.exists():
            print(f"  (generating {path.name} ...)", flush=True)
            generate(path, shape, args.events)
        report = [hybridctl, "report", "usage", str(path), "--by", "role,model", "--format", "json"]
        report += ["--config-dir", str(ROOT / "configs")]
        reader = "read_csv" if shape == "csv" else "read_json"
        sql = DUCKDB_SQL.format(path=path, reader=reader)
        commands = {
            "hybridctl": [*report, "--no-cache"],
            "duckdb": [sys.executable, "-c", f"import duckdb; duckdb.sql({sql!r}).fetchall()"],
        }
        if shape == "z":
            commands["warm"] = report
        paths = json.loads(
            subprocess.run(commands["hybridctl"], capture_output=True, env=env, check=True).stdout
        )
        by_path = paths["input"]["records_by_path"]
        measure(commands["duckdb"], env)  # the page cache
        runs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for index in range(args.rounds):
            for name in list(commands) if index % 2 == 0 else list(reversed(commands)):
                runs[name].append(measure(commands[name], env))
        median = {name: statistics.median(t for t, _ in values) for name, values in runs.items()}
        peak = {name: max(m for _, m in values) / 1024 for name, values in runs.items()}
        ours, duck = median["hybridctl"], median["duckdb"]
        print(
            f"{shape:<10} {path.stat().st_size / 1e6:6.0f} {ours:9.2f}s {duck:7.2f}s {ours / duck:5.2f}x "
            f"{peak['hybridctl']:5.0f}/{peak['duckdb']:4.0f} MiB"
            f"  {paths['input']['reader']} {by_path['fast']:,}, general {by_path['general']:,}",
            flush=True,
        )
        if "warm" in median:
            print(f"{'z (warm)':<10} {'':>6} {median['warm']:9.2f}s {'':>8} {median['warm'] / duck:5.2f}x")
    print("ratio: hybridctl cold / DuckDB (goal <= 1.0); memory: hybridctl / DuckDB peak resident")


if __name__ == "__main__":
    main()
