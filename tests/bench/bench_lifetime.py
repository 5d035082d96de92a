"""Creates and drops 1,000,000 wrapped class instances from Python and reports the resident
memory of the host and of Python before and after, and the addon's finalizer count. Then the
time of 100,000 handle scopes opened and closed around three new values each, in one call
(addons/c/scopes.c `loopScopes`), beside node's.

    .venv/bin/python tests/bench/bench_lifetime.py [--count N]

Goals: both processes stay within 50 MB of where they started, and every instance is
finalized exactly once; the scope loop within 20x node's time (a slot leaked per value or per
scope shows up as a slope far beyond that).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import addon_path, rss_mib  # noqa: E402
from report import node  # noqa: E402

import napi_python  # noqa: E402
from napi_python import js, load_addon  # noqa: E402

LIMIT_MB = 50
SCOPES = 100_000
SCOPES_GOAL = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    with load_addon(addon_path("gc")) as addon:
        Counted = addon.Counted
        # Warm up (first class-table fetch, allocator pools) before the baseline.
        for i in range(10_000):
            Counted(i)
        js.gc(addon)
        gc.collect()
        base = addon.finalizedCount()
        host0, py0 = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
        start = time.perf_counter()
        for i in range(args.count):
            Counted(i)
        elapsed = time.perf_counter() - start
        js.gc(addon)
        gc.collect()
        finalized = addon.finalizedCount() - base
        host1, py1 = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
    rows = [
        ("host RSS (MB)", host0, host1),
        ("Python RSS (MB)", py0, py1),
    ]
    print(f"{args.count:,} instances created and dropped in {elapsed:.1f} s ({elapsed / args.count * 1e6:.2f} µs each)")
    ok = True
    for name, before, after in rows:
        grew = after - before
        good = grew <= LIMIT_MB
        ok &= good
        print(
            f"{name:<18} {before:8.1f} -> {after:8.1f}  (+{grew:.1f}, goal <= {LIMIT_MB})  {'PASS' if good else 'MISS'}"
        )
    fin_ok = finalized == args.count
    ok &= fin_ok
    print(f"finalized          {finalized:,} of {args.count:,}  {'PASS' if fin_ok else 'MISS'}")
    ok &= scope_loop()
    return 0 if ok else 1


def scope_loop(rounds: int = 5) -> bool:
    """Median ms of loopScopes(SCOPES) through napi_python and under node; True within the goal."""
    path = addon_path("scopes")
    with load_addon(path) as addon:
        ours = []
        for _ in range(rounds):
            start = time.perf_counter()
            addon.loopScopes(SCOPES)
            ours.append((time.perf_counter() - start) * 1000)
    script = (
        f"const a = require({json.dumps(path)}); const ms = [];"
        f"for (let r = 0; r < {rounds}; r++) {{ const t = process.hrtime.bigint(); a.loopScopes({SCOPES});"
        " ms.push(Number(process.hrtime.bigint() - t) / 1e6); }"
        "console.log(JSON.stringify(ms));"
    )
    node_out = subprocess.run([node(), "-e", script], capture_output=True, text=True, check=True).stdout
    node_ms = statistics.median(json.loads(node_out.strip().splitlines()[-1]))
    mine = statistics.median(ours)
    good = mine <= SCOPES_GOAL * node_ms
    print(
        f"{SCOPES:,} handle scopes with three values each: {mine:.1f} ms, node {node_ms:.1f} ms"
        f"  ({mine / node_ms:.1f}x, goal <= {SCOPES_GOAL:g}x)  {'PASS' if good else 'MISS'}"
    )
    return good


if __name__ == "__main__":
    sys.exit(main())
