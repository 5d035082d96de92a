"""Smoke test of the benchmark addon (addons/c/bench.c): each call the benchmark times gives the
right answer, so a fast wrong host cannot post a good number."""

from __future__ import annotations

from napi_python import js


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
