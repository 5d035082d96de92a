"""Smoke tests of the benchmarks (tests/bench/): the benchmark addon (addons/c/bench.c) gives the
right answer for each call the benchmarks time, so a fast wrong host cannot post a good number; the
floor they are compared with does the same work; the children and the newer commands run."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from conftest import addon_path

from napi_python import js

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_hosts
import bench_modes
import bench_rust
import bench_startup
import bench_threads
import bench_uv
import floor_ext


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


def test_floor_does_the_work_of_the_bench_addon(load):
    addon, floor = load("bench"), floor_ext.module()
    for a, b in ((1, 2), (0.5, 0.25), (-3, 1.5), (2**52, 2**52)):
        assert floor.add(a, b) == addon.add(a, b)
        assert type(floor.add(a, b)) is type(addon.add(a, b))
    assert floor.noop() is None and floor.noop(1, "x") is None
    with pytest.raises(TypeError):
        floor.add("1", 2)


def test_shared_memory_round_trip_echoes_and_keeps_its_deadline():
    echo = floor_ext.ShmEcho(timeout=0.2)
    try:
        echo.run(1000)  # each ping checks its answer's number and payload
        echo.proc.send_signal(signal.SIGKILL)
        echo.proc.wait(10)
        with pytest.raises(TimeoutError):
            echo.ping()
    finally:
        echo.close()


def test_uv_node_child_times_work_and_sends():
    # node runs no microtasks after a bare libuv callback: the child must still answer `sends`.
    child = bench_uv.UvNodeChild(addon_path("uv"))
    try:
        assert 0 < child.per_call("work", 5) < 1e6
        assert 0 < child.per_call("sends", 100) < 1e6
    finally:
        child.close()


def test_thread_runner_counts_calls_and_reports_errors():
    calls = []
    started = []
    ops, elapsed = bench_threads.run_threads([lambda: calls.append(1)], 4, 0.02, lambda: started.append(1))
    assert ops == len(calls) > 0 and elapsed > 0 and started == [1]

    def fail() -> None:
        raise ZeroDivisionError

    # A thread's error reaches the caller rather than posting a low count.
    with pytest.raises(ZeroDivisionError):
        bench_threads.run_threads([fail], 2, 0.02, lambda: None)


def test_thread_runner_counts_a_batch_of_each_thread_that_first_ran_after_the_deadline():
    """On a busy machine a thread may get a CPU only after its round ended: a round of no
    operations made the benchmark divide by zero. A round over at once stands for that."""
    calls = []
    ops, _ = bench_threads.run_threads([lambda: calls.append(1)], 3, 0.0, lambda: None)
    assert ops == len(calls) == 3 * bench_threads.BATCH


@pytest.mark.parametrize(
    "main, argv",
    [
        (bench_threads.main, ["--rounds", "1", "--seconds", "0.02", "--threads", "1,2", "--no-waits"]),
        (bench_hosts.main, ["--hosts", "3", "--window", "1"]),
        # Checks every call's answer in both modes before it times them (python_ops).
        (bench_rust.main, ["--rounds", "1", "--calls", "5"]),
        # Its programs check crc32c's answer, in both modes, before they exit.
        (bench_startup.main, ["--rounds", "1"]),
    ],
    ids=["bench_threads", "bench_hosts", "bench_rust", "bench_startup"],
)
def test_benchmark_prints_its_goals(main, argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "machine load" in out
    assert any(line.rstrip().endswith(("PASS", "MISS")) for line in out.splitlines())
