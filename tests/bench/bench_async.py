"""The asynchronous paths, measured side by side in one run:

- `await asyncAdd(1, 2)` (a Promise resolved from async work) under node, through napi_python,
  and a raw socket-pair round trip; goal: napi_python at most node's time plus two round trips;
- threadsafe-function calls from a native thread into a Python callable: rate and order; goal:
  at least 50,000 per second, in the order made.

    .venv/bin/python tests/bench/bench_async.py [--cpu N] [--rounds R] [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_calls import raw_ping, start_socket_echo  # noqa: E402
from conftest import addon_path  # noqa: E402

from napi_python import load_addon  # noqa: E402

STREAM_GOAL = 50_000


def node_async_add(path: str, rounds: int, calls: int) -> list[float]:
    """Median-able samples (µs per awaited call) of asyncAdd under node."""
    script = f"""
const a = require({json.dumps(path)});
(async () => {{
  const samples = [];
  for (let r = 0; r < {rounds}; r++) {{
    const t = process.hrtime.bigint();
    for (let i = 0; i < {calls}; i++) await a.asyncAdd(1, 2);
    samples.push(Number(process.hrtime.bigint() - t) / {calls} / 1000);
  }}
  console.log(JSON.stringify(samples));
}})();
"""
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--stream", type=int, default=100_000)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process (and its children) to one CPU")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    path = addon_path("bench_async")
    echo_proc, sock = start_socket_echo()
    ping = raw_ping(sock)
    addon = load_addon(path)

    async def awaited(n: int) -> None:
        for _ in range(n):
            assert await addon.asyncAdd(1, 2) == 3

    loop = asyncio.new_event_loop()
    py_samples, raw_samples = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        loop.run_until_complete(awaited(args.calls))
        py_samples.append((time.perf_counter() - t) / args.calls * 1e6)
        t = time.perf_counter()
        ping(args.calls)
        raw_samples.append((time.perf_counter() - t) / args.calls * 1e6)
    node_samples = node_async_add(path, args.rounds, args.calls)
    node, py, raw = (statistics.median(s) for s in (node_samples, py_samples, raw_samples))
    budget = node + 2 * raw
    print(f"await asyncAdd(1, 2): node {node:.2f} µs, napi_python {py:.2f} µs, raw round trip {raw:.2f} µs")
    print(f"  goal: napi_python <= node + 2 x raw = {budget:.2f} µs  {'PASS' if py <= budget else 'MISS'}")

    seen: list[int] = []
    done = threading.Event()

    def on_call(i: int) -> None:
        seen.append(i)
        if len(seen) == args.stream:
            done.set()

    start = time.perf_counter()
    addon.stream(args.stream, on_call)
    finished = done.wait(120)
    elapsed = time.perf_counter() - start
    in_order = seen == list(range(args.stream))
    rate = len(seen) / elapsed
    print(
        f"threadsafe-function calls into Python: {len(seen):,} in {elapsed:.2f} s = {rate:,.0f}/s, in order: {in_order}"
    )
    print(
        f"  goal: >= {STREAM_GOAL:,}/s in order  {'PASS' if finished and in_order and rate >= STREAM_GOAL else 'MISS'}"
    )
    addon.close()
    loop.close()
    sock.close()
    echo_proc.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
