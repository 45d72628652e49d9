"""Fuzz the compiled usage reader under AddressSanitizer and UndefinedBehaviorSanitizer.

Builds hybridctl/usage/_scanner.c with -fsanitize=address,undefined into a
temporary directory, then runs a child Python with the sanitizer runtimes
preloaded and that build in place of the installed one. The child mutates
usage lines (flipped, inserted, deleted and duplicated bytes; quotes,
backslashes, UTF-8 lead and continuation bytes, digits, signs; cut and
spliced lines), reads each batch, as JSON lines and as CSV rows in turn, with chunk sizes
from one byte up (so chunk ends fall inside strings, escapes, quoted cells,
numbers and UTF-8 sequences), and checks that the compiled reader builds the
cube the general path builds. A memory
error or undefined behaviour aborts the child; a disagreement writes the
batch to fuzz-failures/ and exits 1.

    python scripts/fuzz_scanner.py [--seconds 20] [--seed N]

`make test` runs a short run, `make fuzz` a long one.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
MODULE = "hybridctl.usage._scanner"
SANITIZE = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=undefined",
    "-g",
    "-O1",
]

SEEDS: list[dict[str, Any]] = [
    {
        "time": "2026-11-21T10:00:00.250Z",
        "role": "critic",
        "model": "glm-4.5",
        "provider": "zai",
        "variant": "stable",
        "escalated": False,
        "input_tokens": 1200,
        "output_tokens": 300,
        "cached_tokens": 100,
        "latency_ms": 1478.9,
        "status": "ok",
    },
    {"time": "2026-11-21T13:00:00.123456+01:00", "role": "rôle", "model": "模型", "input_tokens": 5},
    {"time": 1795269600123, "gen_ai.request.model": "claude-opus-4-1", "gen_ai.usage.input_tokens": 7},
    {"time": 1795269600.0078125, "model": "m", "input_tokens": 3},  # a float epoch, halfway between µs
    {"time": 1.7952696001234567e18, "model": "m", "input_tokens": 3},
    {"timestamp": "2026-11-21 12:00:00Z", "model": "m", "cost": 0.125, "quality": 4, "error": True},
    {"time": "2026-11-22T00:30:00-05:00", "model": "m", "latency_s": 0.5, "status": "Success", "note": "é😀"},
    {"model": "m", "input_tokens": 300000, "cache_write_tokens": 10, "escalated": True},
    {
        "model": "m",
        "attributes": {"gen_ai.request.model": "x"},
        "spend": 1,
        "startTime": "2026-11-21T10:00:00Z",
    },
]
CSV_HEADER = b"time,role,model,provider,escalated,input_tokens,output_tokens,latency_ms,status,cost,note"
CSV_SEEDS = [
    b"2026-11-21T10:00:00.250Z,critic,glm-4.5,zai,false,1200,300,1478.9,ok,0.5,plain",
    b'2026-11-21T13:00:00+01:00,"r\xc3\xb4le",glm-4.5,zai,yes,7,1,1e3,Success,,"a ""quoted"", note"',
    b"1795269600123,architect,claude-opus-4-1,anthropic,1,300001,5,0.25,200,,",
    b"1795269600.123456,critic,glm-4.5,zai,false,3,1,2,ok,,float epoch",
    b'2026-11-21 12:00:00Z,critic,"m",,,3,,,,"1.5","x\ny"',
]
INTERESTING = [
    b'"', b"\\", b"{", b"}", b"[", b"]", b":", b",", b"0", b"9", b"-", b"+", b".", b"e", b"E", b"Z", b"T",
    b" ", b"\t", b"\r", b"\x00", b"\x1f", b"\x7f", b"\x80", b"\xbf", b"\xc2", b"\xc3\xa9", b"\xe2\x82",
    b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\xf4\x90", b"\xff", b"\\u", b"\\ud800", b"null", b"true", b"1e999",
    b"99999999999999999999", b"-0", b":00", b"+24:00",
]  # fmt: skip


def build(directory: Path) -> Path:
    """The extension, built with the sanitizers, in ``directory``."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    extension = Extension(
        MODULE,
        [str(ROOT / "hybridctl/usage/_scanner.c")],
        extra_compile_args=SANITIZE,
        extra_link_args=SANITIZE,
    )
    distribution = Distribution({"name": "hybridctl-fuzz", "ext_modules": [extension]})
    command = build_ext(distribution)
    command.build_lib = str(directory / "lib")
    command.build_temp = str(directory / "temp")
    command.ensure_finalized()
    command.run()
    return Path(command.get_ext_fullpath(MODULE))


def runtime(name: str) -> str | None:
    found = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    return found if Path(found).is_absolute() and Path(found).exists() else None


def mutate(line: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    data = bytearray(line)
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(7)
        if kind == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            data[at:at] = rng.choice(INTERESTING)
        elif kind == 2 and data:
            del data[at : at + rng.randrange(1, 8)]
        elif kind == 3 and data:
            start = rng.randrange(len(data))
            data[at:at] = data[start : start + rng.randrange(1, 16)]
        elif kind == 4:
            del data[at:]
        elif kind == 5:
            other = rng.choice(pool)
            data[at:] = other[rng.randrange(len(other) + 1) :]
        else:
            digits = str(rng.choice((0, 1, -1, 2**31, 2**63 - 1, 2**63, 10**15, 10**17, 1795269600))).encode()
            data[at:at] = digits
    return bytes(data).replace(b"\n", b" ")


def child(module_path: Path, seconds: float, seed: int) -> int:
    found = importlib.util.spec_from_file_location(MODULE, module_path)
    assert found is not None and found.loader is not None
    sanitized = importlib.util.module_from_spec(found)
    found.loader.exec_module(sanitized)
    sys.modules[MODULE] = sanitized  # the reader imports this name: the sanitized build

    from hybridctl.usage import csv_fast as csv_path
    from hybridctl.usage import fast as fast_path
    from hybridctl.usage import general as general_path
    from hybridctl.usage import scan, sources
    from hybridctl.usage.cube import LATENCY

    pool = [json.dumps(s, ensure_ascii=bool(i % 2)).encode() for i, s in enumerate(SEEDS)]
    csv_pool = [line.replace(b"\n", b" ") for line in CSV_SEEDS]
    cut = (datetime(2026, 11, 21, 12, tzinfo=timezone.utc),)
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    batches = lines = 0
    while time.monotonic() < deadline:
        as_csv = batches % 2 == 1
        rows = csv_pool if as_csv else pool
        batch = [
            mutate(rng.choice(rows), rng, rows) if rng.random() < 0.7 else rng.choice(rows) for _ in range(40)
        ]
        ending = rng.choice((b"\n", b"\r\n")) if as_csv else b"\n"
        data = ending.join([CSV_HEADER, *batch] if as_csv else batch) + rng.choice((ending, b"", ending * 2))
        spec = scan.ScanSpec(cut if rng.random() < 0.5 else ())
        source = scan.Source(None, "fuzz")
        general, general_stats = general_path.scan_general(
            io.BytesIO(data), source, "csv" if as_csv else "jsonl", spec
        )
        sources.CHUNK = rng.choice((1, 2, 3, 7, 16, 61, 256, 4096, 4 << 20))  # chunk ends anywhere
        if as_csv:
            handle = io.BufferedReader(cast(Any, io.BytesIO(data)))
            header = csv_path.csv_header(handle)
            assert header is not None
            fast, fast_stats = csv_path.scan_csv_fast(handle, source, spec, header, None)
        else:
            fast, fast_stats, _ = fast_path.scan_fast(io.BytesIO(data), source, spec, reader="compiled")
        batches += 1
        lines += len(batch)
        same = fast.cells.keys() == general.cells.keys() and all(
            fast.cells[k][LATENCY] == cell[LATENCY]
            and all(
                abs(a - b) <= 1e-9 * max(1.0, abs(b))
                for i, (a, b) in enumerate(zip(fast.cells[k], cell, strict=True))
                if i != LATENCY
            )
            for k, cell in general.cells.items()
        )
        fast_stats.fast = 0
        if not same or fast_stats != general_stats:
            failures = ROOT / "fuzz-failures"
            failures.mkdir(exist_ok=True)
            saved = failures / f"seed-{seed}-batch-{batches}.jsonl"
            saved.write_bytes(data)
            print(f"the compiled reader and the general path disagree on {saved} (chunk {sources.CHUNK})")
            return 1
    print(f"fuzz: {batches:,} batches, {lines:,} lines, compiled reader = general path, no sanitizer report")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    if args.child is not None:
        return child(args.child, args.seconds, seed)
    asan, ubsan = runtime("libasan.so"), runtime("libubsan.so")
    if shutil.which("gcc") is None or asan is None or ubsan is None:
        print("fuzz: skipped, no gcc with AddressSanitizer and UndefinedBehaviorSanitizer runtimes here")
        return 0
    with tempfile.TemporaryDirectory(prefix="hybridctl-fuzz-") as temp:
        built = build(Path(temp))
        env = {
            **os.environ,
            "LD_PRELOAD": f"{asan} {ubsan}",
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:allocator_may_return_null=1",
            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
        }
        print(
            f"fuzz: seed {seed}, {args.seconds:g} s, the reader built with {' '.join(SANITIZE[:1])}",
            flush=True,
        )
        run = [
            sys.executable,
            __file__,
            "--child",
            str(built),
            "--seconds",
            str(args.seconds),
            "--seed",
            str(seed),
        ]
        return subprocess.run(run, env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
