"""Crash isolation and concurrency (addon: addons/c/faults.c): a segfault or abort() in the
addon kills only the host, surfaces as AddonCrashedError naming the signal (on Windows the
exception), and poisons that Addon; several Python threads calling one addon at once all get
their own answers. (How fast a crash is noticed: tests/bench/bench_faults.py.)

Under node 20 the same functions end the process with SIGSEGV (139) and SIGABRT (134).
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import napi_python
from napi_python import AddonCrashedError

# Windows has no signals: AddonCrashedError.signal names the exception that ended the host, with
# its code, and abort() exits with code 3 there (its docstring says so).
CRASHES = (
    [("segfault", "an access violation (0xC0000005)"), ("abort", "abort() (exit code 3)")]
    if sys.platform == "win32"
    else [("segfault", "SIGSEGV"), ("abort", "SIGABRT")]
)


@pytest.mark.isolated_only
@pytest.mark.parametrize("function, signal", CRASHES)
def test_crash_raises_addon_crashed_error_naming_the_signal(load, function, signal):
    addon = load("faults")
    assert addon.add(1, 2) == 3
    with pytest.raises(AddonCrashedError) as info:
        getattr(addon, function)()
    assert info.value.signal == signal
    assert isinstance(info.value.stderr, str)


@pytest.mark.isolated_only
@pytest.mark.parametrize("function", ["segfault", "abort"])
def test_every_later_call_on_a_crashed_addon_raises_too_without_restarts(load, function):
    addon = load("faults", restart=False)
    with pytest.raises(AddonCrashedError):
        getattr(addon, function)()
    for _ in range(3):
        with pytest.raises(AddonCrashedError):
            addon.add(1, 2)
    with pytest.raises(AddonCrashedError):
        addon.callback(lambda x: x, 1)


@pytest.mark.isolated_only
def test_a_new_load_works_after_a_crash(load):
    crashed = load("faults")
    with pytest.raises(AddonCrashedError):
        crashed.segfault()
    fresh = load("faults")
    assert napi_python.addon_info(fresh).pid != napi_python.addon_info(crashed).pid
    assert fresh.add(2, 3) == 5
    assert fresh.callback(lambda x: x + 1, 41) == 42


@pytest.mark.isolated_only
def test_crash_in_one_addon_leaves_another_untouched(load):
    survivor = load("faults")
    victim = load("faults")
    with pytest.raises(AddonCrashedError):
        victim.abort()
    assert survivor.add(20, 22) == 42


def test_many_threads_calling_one_addon_get_their_own_results(load):
    addon = load("faults")
    threads, calls = 8, 500

    def worker(t: int) -> int:
        done = 0
        for i in range(calls):
            assert addon.add(i, t * 1000) == i + t * 1000
            assert addon.callback(lambda x, t=t: x * 2 + t, i) == i * 2 + t
            done += 1
        return done

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(worker, range(threads)))
    assert results == [calls] * threads


@pytest.mark.isolated_only
def test_calls_racing_a_crash_either_succeed_or_raise_and_never_hang(load):
    addon = load("faults")
    outcomes: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    hammering = threading.Barrier(5)

    def hammer(t: int) -> None:
        assert addon.add(t, 1) == t + 1
        hammering.wait()  # then calls race the crash
        while not stop.is_set():
            try:
                ok = addon.add(t, 1) == t + 1
                outcome = "ok" if ok else "wrong"
            except AddonCrashedError:
                outcome = "crashed"
            with lock:
                outcomes.append(outcome)
            if outcome == "crashed":
                return

    workers = [threading.Thread(target=hammer, args=(t,)) for t in range(4)]
    for w in workers:
        w.start()
    hammering.wait(30)  # every thread made a call and goes on calling
    with pytest.raises(AddonCrashedError):
        addon.segfault()
    stop.set()
    for w in workers:
        w.join(timeout=30)
    assert not any(w.is_alive() for w in workers), "a call hung after the host crashed"
    assert "wrong" not in outcomes
