"""Many Python threads calling one host at once: each gets its own answers and runs the
Python calls of its own requests, and a thread asleep waiting for its reply is woken by that
reply, not by every message any thread gets."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conftest import IN_PROCESS

THREADS = 16
CALLS = 300
SLOW_CALLS = 15


def test_sixteen_threads_get_their_own_answers_and_run_their_own_callbacks(load):
    addon = load("bench")

    def worker(t: int) -> None:
        me = threading.get_ident()
        ran_on = []

        def callback(i: int) -> int:
            ran_on.append(threading.get_ident())
            return i * THREADS + t

        for i in range(CALLS):
            assert addon.add(i, t) == i + t
            assert addon.callback(lambda i=i: callback(i)) == i * THREADS + t
            assert addon.echo(f"{t}:{i}") == f"{t}:{i}"
        # A Python call the host makes for a request runs on the thread waiting for it.
        assert ran_on == [me] * CALLS

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))


def test_a_sleeping_caller_is_woken_by_its_own_reply_not_by_every_message(load):
    addon = load("isolation")
    conn = addon.exports._conn
    before = conn._wakeups

    def worker(t: int) -> None:
        # Calls long enough in the host (a millisecond) that the callers queue and sleep.
        for _ in range(SLOW_CALLS):
            addon.sleepMs(1)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    after = conn._wakeups
    woken = after["woken"] - before["woken"]
    rung = after["rung"] - before["rung"]
    calls = THREADS * SLOW_CALLS
    # Each call's thread is rung at most for its reply and once to read in a leaving reader's
    # place; with one bell for all, every message woke every sleeper (about THREADS - 2 each).
    assert rung <= 2 * calls, (rung, calls)
    assert woken <= rung + calls // 10, (woken, rung, calls)
    if not IN_PROCESS:
        assert woken >= calls // 2, "the callers did not sleep: the test shows nothing"
