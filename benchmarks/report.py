"""Time `hybridctl report usage --by role,model` against DuckDB on the same file.

Generates N usage events (default 1,000,000; kept between runs in
benchmarks/.data), then runs, alternately and each in a fresh process:

- hybridctl, cold: --no-cache, every event read;
- hybridctl, warm: the same report again, served from its cache;
- DuckDB: read_json + GROUP BY role, model + quantile_cont for p50/p95/p99,
  the equivalent SQL.

It prints the median wall time of each, the ratios, and each one's peak
memory: the largest sum of resident memory over the process and all its
children (hybridctl scans big files with one worker per CPU), sampled from
/proc every 10 ms. It measures; it asserts nothing.

    python benchmarks/report.py [--events 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
FROM read_json('{path}', format = 'newline_delimited') GROUP BY role, model ORDER BY role, model
"""


def generate(path: Path, count: int) -> None:
    """Events shaped like `hybridctl simulate` writes, over 30 days; seeded."""
    rng = random.Random(1)
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    roles = list(ROLES)
    shares = [ROLES[r][0] for r in roles]
    step = timedelta(days=30) / count
    with path.open("w") as out:
        for i in range(count):
            role = rng.choices(roles, shares)[0]
            escalated = role in ("architect", "integrator") and rng.random() < 0.03
            model = (
                "claude-4.1-opus"
                if escalated
                else ("gemini-2.5-flash-lite" if rng.random() < 0.1 else "glm-4.5")
            )
            failed = rng.random() < 0.01
            _, mean_in, mean_out = ROLES[role]
            event = {
                "time": (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
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
            }
            out.write(json.dumps(event) + "\n")


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
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("this benchmark samples memory from /proc (Linux)")
    DATA.mkdir(exist_ok=True)
    usage = DATA / f"usage-{args.events}.jsonl"
    if not usage.exists():
        print(f"generating {args.events:,} events into {usage} ...", flush=True)
        generate(usage, args.events)
    compileall.compile_dir(
        ROOT / "hybridctl", quiet=1
    )  # as an install has it, whatever PYTHONDONTWRITEBYTECODE says
    hybridctl = str(Path(sys.executable).parent / "hybridctl")
    cache = Path(tempfile.mkdtemp(prefix="hybridctl-bench-cache-"))
    env = {**os.environ, "HYBRIDCTL_CACHE_DIR": str(cache)}
    env.pop("GITHUB_ACTIONS", None)
    report = [
        hybridctl,
        "report",
        "usage",
        str(usage),
        "--by",
        "role,model",
        "--format",
        "json",
        "--config-dir",
        str(ROOT / "configs"),
    ]
    commands = {
        "hybridctl (cold)": [*report, "--no-cache"],
        "hybridctl (warm)": report,
        "duckdb": [
            sys.executable,
            "-c",
            f"import duckdb; duckdb.sql({DUCKDB_SQL.format(path=usage)!r}).fetchall()",
        ],
    }
    measure(commands["hybridctl (warm)"], env)  # fill the cache and the page cache
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for index in range(args.rounds):
        order = list(commands) if index % 2 == 0 else list(reversed(commands))
        for name in order:
            runs[name].append(measure(commands[name], env))
    size = usage.stat().st_size
    print(
        f"\n{args.events:,} events, {size / 1e6:,.0f} MB; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; {args.rounds} alternating rounds"
    )
    medians = {name: statistics.median(t for t, _ in values) for name, values in runs.items()}
    for name, values in runs.items():
        peak = max(m for _, m in values)
        print(f"  {name:<17} median {medians[name]:7.2f} s   peak memory {peak / 1024:7.1f} MiB")
    duck = medians["duckdb"]
    cold, warm = medians["hybridctl (cold)"], medians["hybridctl (warm)"]
    duck_memory = max(m for _, m in runs["duckdb"])
    cold_memory = max(m for _, m in runs["hybridctl (cold)"])
    print(f"  ratio cold / duckdb: {cold / duck:.2f}x (goal <= 1.0: {'met' if cold <= duck else 'not met'})")
    print(f"  ratio warm / duckdb: {warm / duck:.2f}x")
    print(
        f"  peak memory cold / duckdb: {cold_memory / duck_memory:.2f}x "
        f"(goal < 1.0: {'met' if cold_memory < duck_memory else 'not met'})"
    )


if __name__ == "__main__":
    main()
