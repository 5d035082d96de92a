"""libuv from an addon (addons/c/uv.c, issue 29), measured side by side in one run:

- a `uv_queue_work` round trip ending in a Python callback: queueWork(10, cb), cb awaited, under
  node (a JS callback), through napi_python isolated and in-process, and a raw socket-pair round
  trip;
- 10,000 `uv_async_send`s from a native thread delivered to Python (coalesced as libuv does),
  until the handle's close callback.

Goal for both: napi_python within 2x node plus one raw round trip.

    .venv/bin/python tests/bench/bench_uv.py [--rounds R] [--calls N] [--sends N]
"""

from __future__ import annotations

import argparse
import json
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
from conftest import addon_path, fresh_copy  # noqa: E402

from napi_python import load_addon  # noqa: E402


def under_node(path: str, rounds: int, calls: int, sends: int) -> tuple[list[float], list[float]]:
    """Samples (µs per work round trip; ms per run of `sends` async sends) under node."""
    script = f"""
const a = require({json.dumps(path)});
const work = () => new Promise((res) => a.queueWork(10, (tag) => {{ if (tag === 'thread') res() }}));
const sends = () => new Promise((res) => a.asyncSends({sends}, (tag) => {{ if (tag === 'closed') res() }}));
(async () => {{
  const w = [], s = [];
  for (let r = 0; r < {rounds}; r++) {{
    let t = process.hrtime.bigint();
    for (let i = 0; i < {calls}; i++) await work();
    w.push(Number(process.hrtime.bigint() - t) / {calls} / 1000);
    t = process.hrtime.bigint();
    await sends();
    s.push(Number(process.hrtime.bigint() - t) / 1e6);
  }}
  console.log(JSON.stringify([w, s]));
}})();
"""
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    w, s = json.loads(out.strip().splitlines()[-1])
    return w, s


def work_round_trip(addon, calls: int) -> float:
    """µs per queueWork round trip, each waited for before the next."""
    done = threading.Event()

    def cb(tag, *_):
        if tag == "thread":
            done.set()

    start = time.perf_counter()
    for _ in range(calls):
        done.clear()
        addon.queueWork(10, cb)
        if not done.wait(30):
            raise RuntimeError("a work item did not complete")
    return (time.perf_counter() - start) / calls * 1e6


def async_sends(addon, sends: int) -> float:
    """ms from asyncSends(sends) until its close reached Python."""
    closed = threading.Event()
    start = time.perf_counter()
    addon.asyncSends(sends, lambda tag, *_: closed.set() if tag == "closed" else None)
    if not closed.wait(60):
        raise RuntimeError("the sends were not all delivered")
    return (time.perf_counter() - start) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--sends", type=int, default=10_000)
    args = parser.parse_args()
    path = addon_path("uv")
    echo_proc, sock = start_socket_echo()
    ping = raw_ping(sock)
    modes = {"isolated": load_addon(path), "in-process": load_addon(fresh_copy(path), isolated=False)}
    work = {m: [] for m in modes}
    sends = {m: [] for m in modes}
    raw = []
    for _ in range(args.rounds):
        for mode, addon in modes.items():
            work[mode].append(work_round_trip(addon, args.calls))
            sends[mode].append(async_sends(addon, args.sends))
        t = time.perf_counter()
        ping(args.calls)
        raw.append((time.perf_counter() - t) / args.calls * 1e6)
    node_work, node_sends = under_node(path, args.rounds, args.calls, args.sends)
    rt = statistics.median(raw)
    nw, ns = statistics.median(node_work), statistics.median(node_sends)
    print(f"raw round trip {rt:.2f} µs")
    print(f"uv_queue_work round trip ending in a callback: node {nw:.2f} µs")
    for mode in modes:
        ours, budget = statistics.median(work[mode]), 2 * nw + rt
        print(
            f"  {mode}: {ours:.2f} µs ({ours / nw:.1f}x node); goal <= 2 x node + raw = {budget:.2f} µs  {'PASS' if ours <= budget else 'MISS'}"
        )
    print(f"{args.sends:,} uv_async_send from a native thread, until the close callback: node {ns:.2f} ms")
    for mode in modes:
        ours, budget = statistics.median(sends[mode]), 2 * ns + rt / 1e3
        print(
            f"  {mode}: {ours:.2f} ms ({ours / ns:.1f}x node); goal <= 2 x node + raw = {budget:.2f} ms  {'PASS' if ours <= budget else 'MISS'}"
        )
    for addon in modes.values():
        addon.close()
    sock.close()
    echo_proc.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
