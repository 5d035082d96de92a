"""What converting a container costs, by shape: a flat 10,000-element array and one
nested 500 deep, from the addon to Python and from Python to the addon, in both modes.

    .venv/bin/python tests/bench/bench_value_shapes.py [--rounds 30] [--calls 200]

Prints one JSON line: for each mode and operation, the best per-call time in microseconds over
`--rounds` rounds of `--calls` calls (the loop inside a function, as in `bench_modes.py`). For
an A/B of two builds (docs/performance.md, "Method"), run it in processes taking turns, one with
`PYTHONPATH` pointing at a copy of the other build's package. 500 deep is within what builds
before values could nest to any depth carried (508), so both sides of an A/B run the same calls.

The name does not match pytest's `test_*.py`, so the test run does not collect it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from napi_python import load_addon

ADDONS = Path(__file__).resolve().parents[2] / "build" / "addons"
FLAT, DEEP = 10_000, 500


def nested_list(depth: int) -> list[Any]:
    v: list[Any] = []
    for _ in range(depth):
        v = [v]
    return v


def best_per_call(op: Callable[[], object], rounds: int, calls: int) -> float:
    def loop() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            op()
        return time.perf_counter() - start

    return min(loop() for _ in range(rounds)) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    flat_list, deep_list = list(range(FLAT)), nested_list(DEEP)
    figures: dict[str, float] = {}
    for isolated in (False, True):
        with load_addon(str(ADDONS / "deep.node"), isolated=isolated) as a:
            ops: dict[str, Callable[[], object]] = {
                "flat to python": lambda: a.flat(FLAT),
                "deep to python": lambda: a.make(DEEP, "arrays"),
                "flat to addon": lambda: a.depthOf(flat_list, "arrays"),
                "deep to addon": lambda: a.depthOf(deep_list, "arrays"),
            }
            mode = "isolated" if isolated else "in-process"
            for name, op in ops.items():
                figures[f"{mode} {name}"] = round(best_per_call(op, args.rounds, args.calls), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
