"""Smoke test of the benchmark addon (addons/c/bench.c): each call the benchmark times gives the
right answer, so a fast wrong host cannot post a good number."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from napi_python import js

sys.path.insert(0, str(Path(__file__).parent / "bench"))
import bench_modes


def test_bench_functions_answer_correctly(load):
    addon = load("bench")
    assert addon.add(1, 2) == 3
    assert addon.add(0.5, 0.25) == 0.75
    assert addon.echo("héllo😀" * 50) == "héllo😀" * 50
    assert addon.echo("") == ""
    assert addon.callback(lambda: 7) == 7
    assert addon.callback(lambda: None) is None
    assert addon.noop() is None
    assert addon.makeObject16() == {f"k{i}": i for i in range(16)}


def test_bench_counter_increments_per_instance(load):
    addon = load("bench")
    a, b = addon.Counter(), addon.Counter()
    assert [a.increment() for _ in range(3)] == [1, 2, 3]
    assert b.increment() == 1
    assert js.instanceof(a, addon.Counter)


def test_bench_calls_in_a_tight_loop(load):
    addon = load("bench")
    total = 0
    for i in range(2000):
        total = addon.add(total, i)
    assert total == sum(range(2000))


def test_bench_modes_node_child_times_every_operation():
    # bench_modes' node rounds take turns with the Python ones through this child: each answer is
    # a time per call, and a bad operation name ends the child rather than hanging the benchmark.
    child = bench_modes.NodeChild()
    try:
        for op in bench_modes.OPS:
            assert 0 < child.per_call(op, 5) < 1e6
        with pytest.raises(RuntimeError, match="node child process ended"):
            child.per_call("no-such-operation", 5)
    finally:
        child.close()
