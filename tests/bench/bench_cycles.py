"""Makes and drops cycles that cross the Python/JS boundary (a wrapped object whose property is a
Python callable that refers to the object's proxy, as event-style addons make them), then
collects, and reports the resident memory of Python and of the host before and after, the
addon's finalizer count and the collection's time; beside a control loop that makes the same
objects and callables without the cycle. Both modes.

    .venv/bin/python tests/bench/bench_cycles.py [--count N] [--mode isolated|inprocess|both]

Goal: after `gc.collect()` (and the host collection napi_python runs after Python's
full collections, without being asked), both processes within 10 MB of where they started and
every object finalized, for the cycles as for the control loop.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import addon_path, fresh_copy, rss_mib  # noqa: E402

import napi_python  # noqa: E402
from napi_python import cycles, js, load_addon  # noqa: E402

LIMIT_MB = 10


def make_cycle(Counted, i: int) -> None:
    obj = Counted(i)
    obj.cb = lambda: obj


def make_plain(Counted, i: int) -> None:
    obj = Counted(i)
    obj.cb = lambda: None


def settle(addon) -> float:
    """Collects as a user would (`gc.collect()`), waits for the host pass that starts on the
    cycles' collector thread, then has the host collect what that pass let go of; answers the
    seconds all three took."""
    start = time.perf_counter()
    gc.collect()
    if not cycles.settle(timeout=60.0):
        raise RuntimeError("the host pass after gc.collect() did not finish within 60 s")
    js.gc(addon)
    return time.perf_counter() - start


def run(mode: str, loop: str, count: int) -> bool:
    isolated = mode == "isolated"
    path = addon_path("gc") if isolated else fresh_copy(addon_path("gc"))
    with load_addon(path, isolated=isolated) as addon:
        make = make_cycle if loop == "cycles" else make_plain
        Counted = addon.Counted
        for i in range(2_000):  # warm up: class tables, allocator pools
            make(Counted, i)
        settle(addon)
        base = addon.finalizedCount()
        host0, py0 = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
        start = time.perf_counter()
        for i in range(count):
            make(Counted, i)
        made = time.perf_counter() - start
        host1, py1 = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
        took = settle(addon)
        host2, py2 = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
        finalized = addon.finalizedCount() - base
    ok = finalized == count and py2 - py0 <= LIMIT_MB and (host2 - host0 <= LIMIT_MB or not isolated)
    print(
        f"{mode:9} {loop:7} made {made:5.2f} s  python {py0:6.1f} -> {py1:6.1f} -> {py2:6.1f} MB  "
        + (f"host {host0:6.1f} -> {host1:6.1f} -> {host2:6.1f} MB  " if isolated else "host (in python)  ")
        + f"finalized {finalized:>7}/{count}  collection {took * 1000:7.1f} ms  {'PASS' if ok else 'MISS'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--mode", choices=["isolated", "inprocess", "both"], default="both")
    args = parser.parse_args()
    modes = ["isolated", "inprocess"] if args.mode == "both" else [args.mode]
    print(f"goal: within {LIMIT_MB} MB of the start after the collection, every object finalized")
    results = [run(mode, loop, args.count) for mode in modes for loop in ("control", "cycles")]
    print("goal:", "PASS" if all(results) else "MISS")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
