"""In-process, the Python calls of the host thread's event turns (libuv callbacks, async-work
completions, threadsafe functions) run on the host thread itself, as node runs them on its
loop's thread, instead of crossing to the event dispatcher and back. They keep their
order with what the dispatcher runs (settlements, uncaught exceptions): a call that comes while
the dispatcher has events in hand goes to the dispatcher, behind them.

Threads are told apart by their kernel names: the host thread is `napi-host-N`, the event
dispatcher `napi-events-PID`."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import napi_python

DEADLINE = 10.0


def thread_name() -> str:
    return Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().strip()


def test_a_libuv_completion_calls_python_on_the_host_thread_and_may_call_back_in(addons):
    uv = addons("uv")
    seen: queue.Queue[tuple] = queue.Queue()

    def cb(tag, *values):
        # A call into the same host from the host thread's own Python call: served there, nested.
        seen.put((tag, values, thread_name(), uv.gate()))

    assert uv.queueWork(100, cb) == 0
    got = [seen.get(timeout=DEADLINE) for _ in range(2)]
    assert [(tag, values) for tag, values, _, _ in got] == [("done", (0, 5050)), ("thread", (1,))]
    assert [name.split("-")[:2] for _, _, name, _ in got] == [["napi", "host"]] * 2, got
    assert [gate for *_, gate in got] == [uv.gate()] * 2


def test_a_threadsafe_functions_calls_run_on_the_host_thread_in_order(addons):
    stream = addons("bench_async")
    n = 1000
    seen: list[tuple[int, str]] = []
    last = threading.Event()

    def on_call(i):
        seen.append((i, thread_name()))
        if i == n - 1:
            last.set()

    stream.stream(n, on_call)
    assert last.wait(DEADLINE)
    assert [i for i, _ in seen] == list(range(n))
    assert {name.split("-")[1] for _, name in seen} == {"host"}


def test_a_call_does_not_overtake_what_the_dispatcher_has_in_hand(addons):
    """An uncaught exception is reported by the dispatcher, slowly here; a work item's Python
    calls that come meanwhile go to the dispatcher and run after the report, not beside it on
    the host thread."""
    uv = addons("uv")
    order: list[str] = []
    reporting = threading.Event()

    def report(error):
        reporting.set()
        # Long enough for a call that is not kept behind the report to overtake it.
        time.sleep(0.3)
        order.append(f"reported {error}")

    def throws(tag):
        raise ValueError(tag)

    done: queue.Queue[str] = queue.Queue()

    def cb(tag, *_):
        order.append(tag)
        done.put(thread_name())

    napi_python.set_uncaught_hook(report)
    try:
        uv.throwFromTimer(throws)
        assert reporting.wait(DEADLINE)
        uv.queueWork(10, cb)
        first = done.get(timeout=DEADLINE)
        done.get(timeout=DEADLINE)
    finally:
        napi_python.set_uncaught_hook(None)
    assert order == ["reported tick", "done", "thread"]
    assert first.startswith("napi-events-"), "the dispatcher had the report in hand: 'done' went to it"


def test_a_call_does_not_overtake_an_event_the_dispatcher_has_not_read_yet(addons):
    """A threadsafe function's first call throws, and the report of that uncaught exception goes
    to the dispatcher; the next calls come microseconds later, before the dispatcher has even
    read the report: they must wait for it all the same."""
    stream = addons("bench_async")
    order: list[str] = []
    last = threading.Event()

    def on_call(i):
        order.append(f"call {i}")
        if i == 0:
            raise ValueError("the first call")
        if i == 9:
            last.set()

    napi_python.set_uncaught_hook(lambda error: order.append(f"reported {error}"))
    try:
        stream.stream(10, on_call)
        assert last.wait(DEADLINE)
    finally:
        napi_python.set_uncaught_hook(None)
    assert order == ["call 0", "reported the first call"] + [f"call {i}" for i in range(1, 10)]
