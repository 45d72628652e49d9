"""How long does a push to a fleet take, and how much memory?

Starts a fleet of management endpoints on 127.0.0.1 in a separate process (a
minimal server written here, checking a bearer token), writes a setup whose
settings list them all, and times, alternately and each in a fresh process:

- `hybridctl push` (PUT to every target through a bounded pool, then a GET
  to read each digest back);
- a reference: the loop a deploy script would run, one target after the
  other with urllib (PUT then GET), no retries.

Three fleets: every target answering at once (loopback, CPU-bound on both
sides); every answer after 20 ms (what a network and the application add);
and 20 ms with one target in ten answering its first PUT with 503 (hybridctl
retries it; the reference loop leaves it failed). It prints
the medians of wall time and peak memory (maximum resident set size of the
process), the ratio hybridctl / reference, how many targets each left
serving the bundle, and the most requests the fleet saw at once (hybridctl's
pool keeps it at 16 whatever the fleet's size). It asserts
nothing.

    python benchmarks/push.py [--targets 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-" + "5a" * 16

REFERENCE = r"""
import json, sys, urllib.request
bundle, token = open(sys.argv[1], "rb").read(), sys.argv[2]
digest = json.loads(bundle)["digest"]
ok = 0
for url in sys.argv[3:]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    try:
        urllib.request.urlopen(urllib.request.Request(url, bundle, headers, method="PUT"), timeout=5)
        got = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5)
        ok += json.loads(got.read())["digest"] == digest
    except OSError:
        pass
print(ok)
"""


class Fleet:
    """Many endpoints in this process; one counter of requests in flight across all."""

    def __init__(self, count: int, flaky_every: int, delay_s: float) -> None:
        self.lock = threading.Lock()
        self.inflight = self.peak = 0
        self.flaky_every = flaky_every
        self.delay_s = delay_s
        self.failed_once: set[int] = set()
        self.bundles: dict[int, bytes] = {}
        self.servers = [self._server(index) for index in range(count)]

    def _server(self, index: int) -> ThreadingHTTPServer:
        fleet = self

        class Handler(BaseHTTPRequestHandler):
            # keep-alive, and each answer sent at once (as real servers do; without
            # TCP_NODELAY, Nagle and delayed ACKs stall a kept-alive connection 40 ms)
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/stats":
                    self._answer(200, json.dumps({"peak": fleet.peak}).encode())
                    return
                if self.path == "/reset":
                    with fleet.lock:
                        fleet.peak, fleet.failed_once, fleet.bundles = 0, set(), {}
                    self._answer(200, b"{}")
                    return
                with fleet.lock:
                    fleet.inflight += 1
                    fleet.peak = max(fleet.peak, fleet.inflight)
                time.sleep(fleet.delay_s)  # the network and the application's own work
                with fleet.lock:  # counted before answering: the next request may follow at once
                    fleet.inflight -= 1
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(401, b'{"error": "unauthorized"}')
                elif method == "PUT":
                    flaky = fleet.flaky_every and index % fleet.flaky_every == 0
                    if flaky and index not in fleet.failed_once:
                        fleet.failed_once.add(index)
                        self._answer(503, b'{"error": "warming up"}')
                    else:
                        fleet.bundles[index] = body
                        self._answer(200, b"{}")
                else:
                    self._answer(200, fleet.bundles.get(index, b'{"digest": null}'))

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_GET(self) -> None:
                self._handle("GET")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def serve_fleet(count: int, flaky_every: int, delay_s: float) -> None:
    """The fleet process: prints its ports, serves until stdin closes."""
    fleet = Fleet(count, flaky_every, delay_s)
    print(json.dumps([s.server_address[1] for s in fleet.servers]), flush=True)
    sys.stdin.read()


def measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory (KiB) and stdout of one fresh process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = 0
        out.seek(0)
        return elapsed, usage.ru_maxrss, out.read().decode()


def call(url: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def scenario(name: str, targets: int, flaky_every: int, delay_ms: int, rounds: int, work: Path) -> None:
    fleet = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            str(targets),
            "--flaky-every",
            str(flaky_every),
            "--delay-ms",
            str(delay_ms),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fleet.stdout is not None and fleet.stdin is not None
    ports = json.loads(fleet.stdout.readline())
    urls = [f"http://127.0.0.1:{port}/hybridctl/bundle" for port in ports]
    base = f"http://127.0.0.1:{ports[0]}"
    setup = work / name
    env = {**os.environ, "HYBRIDCTL_TARGET_TOKEN": TOKEN, "HYBRIDCTL_ACTOR": "bench", "NO_COLOR": "1"}
    hybridctl = str(Path(sys.executable).parent / "hybridctl")
    subprocess.run([hybridctl, "init", str(setup)], env=env, check=True, stdout=subprocess.DEVNULL)
    (setup / "hybridctl.toml").write_text(f"targets = {json.dumps(urls)}\n")
    bundle = setup / "bundle.json"
    bundle.write_text(
        subprocess.run(
            [hybridctl, "render"], cwd=setup, env=env, capture_output=True, text=True, check=True
        ).stdout
    )

    ours: list[tuple[float, int]] = []
    theirs: list[tuple[float, int]] = []
    delivered: dict[str, int] = {}
    peaks: dict[str, int] = {}
    for _ in range(rounds):
        call(f"{base}/reset")
        seconds, memory, out = measured([hybridctl, "push", "--json"], setup, env)
        ours.append((seconds, memory))
        delivered["hybridctl"] = json.loads(out)["counts"]["ok"]
        peaks["hybridctl"] = call(f"{base}/stats")["peak"]
        call(f"{base}/reset")
        reference = [sys.executable, "-c", REFERENCE, str(bundle), TOKEN, *urls]
        seconds, memory, out = measured(reference, setup, env)
        theirs.append((seconds, memory))
        delivered["reference"] = int(out.strip() or 0)
        peaks["reference"] = call(f"{base}/stats")["peak"]
    fleet.stdin.close()
    fleet.wait()

    def medians(runs: list[tuple[float, int]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs) / 1024

    (our_s, our_mb), (ref_s, ref_mb) = medians(ours), medians(theirs)
    title = f"\n{name}: {targets} targets on 127.0.0.1, answering after {delay_ms} ms"
    print(title + (f"; 1 in {flaky_every} answers its first PUT with 503" if flaky_every else ""))
    print(f"  {'':26} {'wall':>8} {'peak RSS':>10} {'serving':>8} {'at once':>8}")
    for label, seconds, megabytes, key in (
        ("hybridctl push", our_s, our_mb, "hybridctl"),
        ("reference (urllib loop)", ref_s, ref_mb, "reference"),
    ):
        row = f"  {label:26} {seconds * 1000:6.0f}ms {megabytes:8.1f}MB"
        print(row + f" {delivered[key]:>8} {peaks[key]:>8}")
    print(f"  ratio hybridctl / reference: wall {our_s / ref_s:.2f}x, memory {our_mb / ref_mb:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--flaky-every", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--delay-ms", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_fleet(args.serve, args.flaky_every, args.delay_ms / 1000)
        return
    with tempfile.TemporaryDirectory() as scratch:
        scenario("loopback", args.targets, 0, 0, args.rounds, Path(scratch))
        scenario("a network", args.targets, 0, 20, args.rounds, Path(scratch))
        scenario("a flaky network", args.targets, 10, 20, args.rounds, Path(scratch))


if __name__ == "__main__":
    main()
