"""The asynchronous paths and their goals, measured side by side in one run:

- `await asyncAdd(1, 2)` (a Promise resolved from async work) under node, and through
  napi_python in-process and isolated, in interleaved rounds (node in the warm child of
  bench_modes.py); goal: in-process at most node's time, isolated at most 1.5x node;
- threadsafe-function calls from a native thread into a Python callable, in each mode: rate and
  order; goal: at least 500,000 per second, in the order made.

    .venv/bin/python tests/bench/bench_async.py [--cpu N] [--rounds R] [--calls N] [--stream N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_modes import NodeChild, per_call  # noqa: E402
from conftest import addon_path, fresh_copy  # noqa: E402
from report import Goals, print_medians  # noqa: E402

import napi_python  # noqa: E402
from napi_python import load_addon  # noqa: E402

STREAM_GOAL = 500_000
# Each mode's `await` against node's: at most this many times node's time.
AWAIT_GOALS = {"in-process": 1.0, "isolated": 1.5}


def stream_rate(addon, calls: int) -> tuple[float, bool]:
    """Threadsafe-function calls into Python per second from `addon.stream(calls, fn)`, and
    whether they all came in the order made."""
    seen: list[int] = []
    done = threading.Event()

    def on_call(i: int) -> None:
        seen.append(i)
        if len(seen) == calls:
            done.set()

    start = time.perf_counter()
    addon.stream(calls, on_call)
    finished = done.wait(120)
    elapsed = time.perf_counter() - start
    return len(seen) / elapsed, finished and seen == list(range(calls))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000, help="awaits per round")
    parser.add_argument("--stream", type=int, default=100_000, help="threadsafe-function calls per round")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process (and its children) to one CPU")
    args = parser.parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    goals = Goals()
    path = addon_path("bench_async")
    addons = {"in-process": load_addon(fresh_copy(path), isolated=False), "isolated": load_addon(path)}
    loop = asyncio.new_event_loop()

    def awaits(addon):
        async def awaited(n: int) -> None:
            for _ in range(n):
                assert await addon.asyncAdd(1, 2) == 3

        return lambda n: loop.run_until_complete(awaited(n))

    node_child = NodeChild()
    runs = {mode: awaits(addon) for mode, addon in addons.items()}
    awaited: dict[str, list[float]] = {"node": [], **{mode: [] for mode in addons}}
    rates: dict[str, list[float]] = {mode: [] for mode in addons}
    in_order = dict.fromkeys(addons, True)
    for _ in range(args.rounds):
        awaited["node"].append(node_child.per_call("await", args.calls))
        for mode, addon in addons.items():
            awaited[mode].append(per_call(runs[mode], args.calls))
            rate, ordered = stream_rate(addon, args.stream)
            rates[mode].append(rate)
            in_order[mode] = in_order[mode] and ordered
    print_medians(f"await asyncAdd(1, 2), µs, medians of {args.rounds} interleaved rounds of {args.calls}", awaited)
    print_medians(f"threadsafe-function calls into Python per second, runs of {args.stream:,}", rates, 0)
    for mode, limit in AWAIT_GOALS.items():
        goals.ratio(f"await asyncAdd(1, 2) {mode} <= {limit:g}x node", limit, awaited[mode], awaited["node"])
    for mode in addons:
        rate = statistics.median(rates[mode])
        goals.check(
            f"threadsafe-function calls into Python {mode}, in order, >= {STREAM_GOAL:,}/s",
            f"{rate:,.0f}/s, {'in order' if in_order[mode] else 'NOT in order'}",
            rate >= STREAM_GOAL and in_order[mode],
        )
    goals.print()
    node_child.close()
    for addon in addons.values():
        napi_python.close(addon)
    loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
