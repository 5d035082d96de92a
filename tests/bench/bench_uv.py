"""libuv from an addon (addons/c/uv.c), measured side by side in one run:

- a `uv_queue_work` round trip ending in a Python callback: queueWork(10, cb), cb awaited, under
  node (a JS callback) and through napi_python isolated and in-process; goal:
  in-process at most 2.5x node, isolated at most 1.5x node;
- 10,000 `uv_async_send`s from a native thread delivered to Python (coalesced as libuv does),
  until the handle's close callback; goal: within 2x node plus one raw socket-pair
  round trip.

node runs in a child kept warm for the whole run, its rounds taking turns with ours.

`--hops` instead places each hop of a work item on one time line (CLOCK_MONOTONIC, which
Python's perf_counter, node's hrtime and the addon's `workStamps()` all read): Python's call
reaching the JS thread, the pool thread starting, the work, the loop's wake-up, each callback
reaching Python and the waiting thread waking; medians over the items, node beside.

    .venv/bin/python tests/bench/bench_uv.py [--rounds R] [--calls N] [--sends N] [--hops]
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
from bench_modes import NODE_FLAGS, TimedChild  # noqa: E402
from conftest import addon_path, fresh_copy  # noqa: E402
from report import Goals, node, print_medians  # noqa: E402

import napi_python  # noqa: E402
from napi_python import load_addon  # noqa: E402

# Each mode's work round trip against node's: at most this many times node's time.
WORK_GOALS = {"in-process": 2.5, "isolated": 1.5}


class UvNodeChild(TimedChild):
    """node running the same addon, asked for one round at a time: `work n` answers µs per work
    round trip, `sends n` the ms until n async sends have all been delivered."""

    SCRIPT = """
const a = require(%(path)s);
// The addon's callbacks come from bare libuv callbacks, outside any callback scope, so node
// 26 runs no microtasks after them (20 and 24 did): a promise resolved there would go on only at the
// next event on stdin. setImmediate's callback, in the same turn of the loop, is followed by them.
const work = () => new Promise((res) => a.queueWork(10, (tag) => { if (tag === 'thread') setImmediate(res) }));
const sends = (n) => new Promise((res) => a.asyncSends(n, (tag) => { if (tag === 'closed') setImmediate(res) }));
const timed = async (op, n) => {
  const t = process.hrtime.bigint();
  if (op === "work") {
    for (let i = 0; i < n; i++) await work();
    return Number(process.hrtime.bigint() - t) / n / 1000;
  }
  await sends(n);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const lines = require("readline").createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  const [op, n] = line.split(" ");
  queue = queue.then(async () => console.log(await timed(op, Number(n))));
});
"""

    name = "node child process"

    def __init__(self, path: str) -> None:
        super().__init__([node(), *NODE_FLAGS, "-e", self.SCRIPT % {"path": json.dumps(path)}])


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


HOPS = (
    ("call reaches the JS thread (queueWork entered)", "t0", "s0"),
    ("uv_queue_work -> the pool thread starts", "s0", "s1"),
    ("the work (1 + ... + 10)", "s1", "s2"),
    ("work done -> after_work_cb (the loop's wake-up)", "s2", "s3"),
    ("after_work_cb -> Python's 'done' callback", "s3", "done"),
    ("'done' entered -> its answer back in after_work_cb", "done", "s4"),
    ("after_work_cb's second call -> Python's 'thread'", "s4", "thread"),
    ("'thread' entered -> the waiting thread wakes", "thread", "woke"),
    ("total", "t0", "woke"),
)


def work_hops(addon, calls: int) -> list[dict[str, float]]:
    """Per work item, its stamps in µs: Python's (t0, done, thread, woke) and the addon's (s0-s5)."""
    items = []
    done = threading.Event()
    seen: dict[str, float] = {}

    def cb(tag, *_):
        seen[tag] = time.perf_counter_ns() / 1e3
        if tag == "thread":
            done.set()

    for _ in range(calls):
        done.clear()
        seen.clear()
        t0 = time.perf_counter_ns() / 1e3
        addon.queueWork(10, cb)
        if not done.wait(30):
            raise RuntimeError("a work item did not complete")
        woke = time.perf_counter_ns() / 1e3
        stamps = dict(zip(("s0", "s1", "s2", "s3", "s4", "s5"), addon.workStamps(), strict=False))
        items.append({"t0": t0, "done": seen["done"], "thread": seen["thread"], "woke": woke, **stamps})
    return items


def node_hops(path: str, calls: int) -> list[dict[str, float]]:
    script = f"""
const a = require({json.dumps(path)});
const us = () => Number(process.hrtime.bigint()) / 1000;
(async () => {{
  const items = [];
  for (let i = 0; i < {calls}; i++) {{
    const seen = {{}};
    const t0 = us();
    await new Promise((res) => a.queueWork(10, (tag) => {{ seen[tag] = us(); if (tag === 'thread') setImmediate(res) }}));
    const woke = us();
    const [s0, s1, s2, s3, s4, s5] = a.workStamps();
    items.push({{ t0, done: seen.done, thread: seen.thread, woke, s0, s1, s2, s3, s4, s5 }});
  }}
  console.log(JSON.stringify(items));
}})();
"""
    out = subprocess.run([node(), "-e", script], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def print_hops(path: str, rounds: int, calls: int) -> None:
    modes = {"isolated": load_addon(path), "in-process": load_addon(fresh_copy(path), isolated=False)}
    items: dict[str, list[dict[str, float]]] = {"node": [], **{m: [] for m in modes}}
    for _ in range(rounds):
        for mode, addon in modes.items():
            items[mode] += work_hops(addon, calls)
        items["node"] += node_hops(path, calls)
    print(f"one uv_queue_work item, hop by hop (medians of {rounds} x {calls} items, µs)")
    print(f"  {'hop':<52}" + "".join(f"{m:>12}" for m in items))
    for name, a, b in HOPS:
        print(
            f"  {name:<52}" + "".join(f"{statistics.median(i[b] - i[a] for i in its):>12.2f}" for its in items.values())
        )
    for addon in modes.values():
        napi_python.close(addon)


def async_sends(addon, sends: int) -> float:
    """ms from asyncSends(sends) until its close reached Python."""
    closed = threading.Event()
    start = time.perf_counter()
    addon.asyncSends(sends, lambda tag, *_: closed.set() if tag == "closed" else None)
    if not closed.wait(60):
        raise RuntimeError("the sends were not all delivered")
    return (time.perf_counter() - start) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--hops", action="store_true", help="each hop of a work item instead")
    args = parser.parse_args(argv)
    path = addon_path("uv")
    if args.hops:
        print_hops(path, args.rounds, args.calls)
        return 0
    goals = Goals()
    echo_proc, sock = start_socket_echo()
    ping = raw_ping(sock)
    modes = {"isolated": load_addon(path), "in-process": load_addon(fresh_copy(path), isolated=False)}
    node = UvNodeChild(path)
    work: dict[str, list[float]] = {"node": [], **{m: [] for m in modes}}
    sends: dict[str, list[float]] = {"node": [], **{m: [] for m in modes}}
    raw = []
    for _ in range(args.rounds):
        work["node"].append(node.per_call("work", args.calls))
        sends["node"].append(node.per_call("sends", args.sends))
        for mode, addon in modes.items():
            work[mode].append(work_round_trip(addon, args.calls))
            sends[mode].append(async_sends(addon, args.sends))
        t = time.perf_counter()
        ping(args.calls)
        raw.append((time.perf_counter() - t) / args.calls * 1e6)
    rt = statistics.median(raw)
    ns = statistics.median(sends["node"])
    print(f"medians of {args.rounds} interleaved rounds (and spreads); raw socket round trip {rt:.2f} µs")
    print_medians(f"uv_queue_work round trip ending in a callback ({args.calls} per round), µs", work)
    print_medians(f"{args.sends:,} uv_async_send from a native thread, until the close callback, ms", sends)
    for mode, limit in WORK_GOALS.items():
        goals.ratio(
            f"uv_queue_work round trip to a Python callback {mode} <= {limit:g}x node", limit, work[mode], work["node"]
        )
    for mode in modes:
        ours, budget = statistics.median(sends[mode]), 2 * ns + rt / 1e3
        goals.check(
            f"{args.sends:,} uv_async_send {mode} <= 2x node + raw",
            f"{ours:.2f} ms (budget {budget:.2f} ms)",
            ours <= budget,
        )
    goals.print()
    node.close()
    for addon in modes.values():
        napi_python.close(addon)
    sock.close()
    echo_proc.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
