"""Buffers across the boundary, against the same C function run under node, in one run:

- `sum(buf)` over a 64 MiB buffer: node with a Buffer; napi_python passing `bytes` (one copy
  into shared memory; goal <= 2.5x node); napi_python passing memory that is already shared (a
  buffer from `js.alloc`, or a numpy view of it; goal <= 1.3x node); in-process, a `bytearray`
  and a numpy array, lent to the addon for the call without a copy (goal <= 1.3x node);
- returning a buffer the addon holds and taking a `memoryview` of it, 64 MiB against 64 bytes
  (goal: the same time whatever the size, i.e. a ratio near 1; we allow 1.5x for noise).

    .venv/bin/python tests/bench/bench_buffers.py [--cpu N] [--rounds R] [--mib M]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import addon_path  # noqa: E402
from report import node  # noqa: E402

import napi_python  # noqa: E402
from napi_python import js, load_addon  # noqa: E402


def node_sum(path: str, nbytes: int, rounds: int, calls: int) -> list[float]:
    """Samples (ms per call) of sum() over an nbytes Buffer under node."""
    script = f"""
const a = require({json.dumps(path)});
const buf = Buffer.alloc({nbytes}, 1);
const samples = [];
for (let r = 0; r < {rounds}; r++) {{
  const t = process.hrtime.bigint();
  for (let i = 0; i < {calls}; i++) if (a.sum(buf) !== {nbytes}) throw new Error('wrong sum');
  samples.push(Number(process.hrtime.bigint() - t) / {calls} / 1e6);
}}
console.log(JSON.stringify(samples));
"""
    out = subprocess.run([node(), "-e", script], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def per_call_ms(f, calls: int) -> float:
    t = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - t) / calls * 1e3


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process (and its children) to one CPU")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    n = args.mib << 20
    path = addon_path("shared")
    addon = load_addon(path)
    import numpy as np

    data = bytes([1]) * n
    shared = js.alloc(addon, n)
    np.frombuffer(shared, dtype=np.uint8)[:] = 1
    view = np.frombuffer(shared, dtype=np.uint8)
    for arg in (data, shared, view):
        assert addon.sum(arg) == n, "wrong sum"

    def take(buf_size: int):
        addon.hold(addon.make(buf_size))

        def f() -> None:
            with memoryview(addon.held()) as mv:
                assert mv.nbytes == buf_size

        return f

    take_big, take_small = take(n), None
    local = load_addon(path, isolated=False)
    writable = bytearray(data)
    array = np.ones(n, dtype=np.uint8)
    for arg in (writable, array):
        assert local.sum(arg) == n, "wrong sum"
    samples: dict[str, list[float]] = {
        k: [] for k in ("bytes", "shared", "numpy", "lent", "lent_numpy", "big", "small")
    }
    for _ in range(args.rounds):
        samples["bytes"].append(per_call_ms(lambda: addon.sum(data), args.calls))
        samples["shared"].append(per_call_ms(lambda: addon.sum(shared), args.calls))
        samples["numpy"].append(per_call_ms(lambda: addon.sum(view), args.calls))
        samples["lent"].append(per_call_ms(lambda: local.sum(writable), args.calls))
        samples["lent_numpy"].append(per_call_ms(lambda: local.sum(array), args.calls))
    # Return-and-view: the held buffer is swapped between sizes, interleaved by round.
    for _ in range(args.rounds):
        take_big = take(n)
        samples["big"].append(per_call_ms(take_big, 200))
        take_small = take(64)
        samples["small"].append(per_call_ms(take_small, 200))
    node = statistics.median(node_sum(path, n, args.rounds, args.calls))
    m = {k: statistics.median(v) for k, v in samples.items()}
    print(f"sum() of a {args.mib} MiB buffer (ms per call, medians of {args.rounds} rounds):")
    print(f"  node (Buffer)                         {node:8.2f}")
    for key, label, goal in (
        ("bytes", "napi_python, bytes (copied once)", 2.5),
        ("shared", "napi_python, shared (js.alloc)", 1.3),
        ("numpy", "napi_python, numpy view of shared", 1.3),
        ("lent", "in-process, bytearray (lent)", 1.3),
        ("lent_numpy", "in-process, numpy array (lent)", 1.3),
    ):
        ms = m[key]
        print(f"  {label:<38}{ms:8.2f}  {ms / node:5.2f}x node  goal <= {goal}x  {verdict(ms <= goal * node)}")
    ratio = m["big"] / m["small"]
    print("return a held buffer and take a memoryview (µs per call):")
    print(
        f"  {args.mib} MiB {m['big'] * 1e3:8.1f}   64 B {m['small'] * 1e3:8.1f}   ratio {ratio:.2f}  goal: size-independent (<= 1.5)  {verdict(ratio <= 1.5)}"
    )
    napi_python.close(addon)
    local.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
