"""A/B of builds: the same in-process or isolated calls timed in child processes, one per build,
whose rounds take turns, so that every build meets the same moments of a noisy machine.

Each build is a directory holding a `napi_python` package (a copy of `client-py/python` with its
extension, and `bin/napi-hostd` for isolated runs); copy each build twice, as where a `.so` lands
moves it by about 5% (docs/performance.md, Method). `rust_add` and `rust_callback` call the
napi-rs test addon (relayed to the host thread in-process, D37).

    .venv/bin/python tests/bench/bench_ab.py old=/tmp/old,new=/tmp/new [inprocess,isolated] [noop,add,...]

Prints, per mode and operation, the best round of each build (µs per call) and its ratio to the
first build. ROUNDS (default 30) sets the rounds of 20,000 calls. BUSY=N runs N CPU-bound
processes throughout (`BUSY=1` on 2 CPUs: the other CPU busy), and prints each build's median
round instead, as a busy machine's best round is a lucky one.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPS = ["noop", "add", "echo", "bytes", "callback", "method", "object16", "rust_add", "rust_callback"]
CALLS = 20_000

CHILD = f"""
import sys, time, json
sys.path.insert(0, {str(ROOT / "tests")!r})
from conftest import addon_path
from napi_python import load_addon
a = load_addon(addon_path("bench"), isolated=(sys.argv[1] == "isolated"))
c = a.Counter()
# The napi-rs test addon: its calls are relayed to the host thread in-process.
r = load_addon(addon_path("rust_addon"), isolated=(sys.argv[1] == "isolated"))
one = lambda: 1
same = lambda x: x
ops = {{
    "noop": lambda: a.noop(),
    "add": lambda: a.add(1, 2),
    "echo": lambda: a.echo("0123456789abcdefghijklmnopqrstuv"),
    "bytes": lambda: a.byteLength(b"hello"),
    "callback": lambda: a.callback(one),
    "method": lambda: c.increment(),
    "object16": lambda: a.makeObject16(),
    "rust_add": lambda: r.addI32(1, 2),
    "rust_callback": lambda: r.callWith(same, 1),
}}
for line in sys.stdin:
    op, n = line.split()
    n, g = int(n), ops[op]
    for _ in range(200):
        g()
    t = time.perf_counter()
    for _ in range(n):
        g()
    print(json.dumps((time.perf_counter() - t) / n * 1e6), flush=True)
"""


def child(package_dir: str, mode: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=package_dir)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )


def main() -> None:
    builds = dict(pair.split("=", 1) for pair in sys.argv[1].split(","))
    modes = sys.argv[2].split(",") if len(sys.argv) > 2 else ["inprocess", "isolated"]
    ops = sys.argv[3].split(",") if len(sys.argv) > 3 else OPS
    rounds = int(os.environ.get("ROUNDS", "30"))
    busy = int(os.environ.get("BUSY", "0"))
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        for mode in modes:
            compare(builds, mode, ops, rounds, statistics.median if busy else min)
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def compare(
    builds: dict[str, str], mode: str, ops: list[str], rounds: int, pick: Callable[[list[float]], float]
) -> None:
    names = list(builds)
    kids = {name: child(path, mode) for name, path in builds.items()}
    times: dict[tuple[str, str], list[float]] = {}
    for op in ops:
        for _ in range(rounds):
            for name, kid in kids.items():
                assert kid.stdin is not None and kid.stdout is not None
                kid.stdin.write(f"{op} {CALLS}\n")
                kid.stdin.flush()
                times.setdefault((op, name), []).append(json.loads(kid.stdout.readline()))
    for kid in kids.values():
        assert kid.stdin is not None
        kid.stdin.close()
        kid.wait()
    which = "median" if pick is statistics.median else "best"
    print(f"{mode}: {which} of {rounds} rounds of {CALLS:,} calls, µs; ratio to {names[0]}")
    for op in ops:
        best = {name: pick(times[(op, name)]) for name in names}
        row = "  ".join(f"{n} {best[n]:6.3f} ({best[n] / best[names[0]]:4.2f})" for n in names)
        print(f"  {op:13} {row}")


if __name__ == "__main__":
    main()
