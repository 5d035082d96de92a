"""node-api/test_threadsafe_function/test.js: threadsafe functions fed from addon threads in
blocking and non-blocking mode, with bounded and unbounded queues, released or aborted early,
with a secondary thread sharing it, with and without a JS function; and rapid teardown while
calls are queued.

The JS callbacks are Python callables (delivered on napi_python's dispatcher thread, or on an
in-process host's own thread). Where the JS file reacts inside the callback with
`setImmediate(() => binding.StopThread(...))`, so does the driver, with the host's own
`setImmediate`: StopThread then runs on the host's next turn, after the calls already queued
(node's timing, which the addon's checks assume: an aborting non-blocking producer must have met
a full queue before it learns of the abort, an aborting unbounded one must learn of it before it
is through). Those checks race the producer thread against the JS thread, in node as here: on a
machine whose CPUs are all taken, the producer's first call can wake the JS thread and lose its
CPU to it until after the abort (seen in-process with both CPUs loaded by other work: "queue was
never full", which ends the process). So for a non-blocking producer the first callback holds
the JS thread until the producer has run on a CPU while nothing could drain its queue: it has then
met the full queue, whatever the machine's load. The child-process "unref" cases become:
start; at the first value Release, at the second Unref and close the addon (the environment
teardown, node's exit), all from the callback: close must not hang and the value 0 (the last
one) must never have arrived.
"""

from __future__ import annotations

import threading
import time

import pytest

import napi_python
from napi_python import js

TIMEOUT = 60


def expected_array(binding):
    n = binding.ARRAY_LENGTH
    return [n - 1 - i for i in range(n)]


def test_without_js_marshaller(node_addon):
    binding = node_addon("node-api", "test_threadsafe_function")
    arg_counts = []
    reached = threading.Event()

    def callback(*args):
        arg_counts.append(len(args))
        if len(arg_counts) == binding.ARRAY_LENGTH:
            reached.set()

    binding.StartThreadNoNative(callback, False, False, binding.MAX_QUEUE_SIZE)
    assert reached.wait(TIMEOUT)
    stopped = threading.Event()
    js.global_this(binding).setImmediate(binding.StopThread, lambda *a: stopped.set(), False)
    assert stopped.wait(TIMEOUT)
    # The default call-into-JS passes no arguments.
    assert set(arg_counts) == {0}


def thread_cpu_ticks(pid):
    """Each live thread of process `pid`: its user plus system CPU time, in clock ticks."""
    from conftest import cpu_ticks, each_task

    return {tid: cpu_ticks(stat) for tid, stat in each_task("stat", pid)}


def hold_until_threads_ran(pid, before):
    """Returns once a thread of `pid` not in `before` has used 2 more clock ticks of CPU than it
    had on entry, or every such thread has ended. Called from JS, so the JS thread drains nothing
    meanwhile: a non-blocking producer that ran that long met its queue full."""
    start = {tid: t for tid, t in thread_cpu_ticks(pid).items() if tid not in before}
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        now = thread_cpu_ticks(pid)
        if not start.keys() & now.keys() or any(now.get(tid, t) >= t + 2 for tid, t in start.items()):
            return
        time.sleep(0.001)  # polling the producer's CPU time; the condition is what ends the wait
    raise AssertionError("the producer thread never ran while its queue could not drain")


def with_js_marshaller(binding, thread_starter, quit_after, abort=False, max_queue_size=None, launch_secondary=False):
    array = []
    stopped = threading.Event()
    threads_before = set(thread_cpu_ticks(napi_python.addon_info(binding).pid))
    nonblocking = thread_starter == "StartThreadNonblocking"

    def test_callback(value):
        array.append(value)
        if len(array) == 1 and nonblocking:
            # Through JS, so the JS thread waits for it in both modes (an isolated host does not
            # wait for the callback itself, an event).
            hold = lambda: hold_until_threads_ran(napi_python.addon_info(binding).pid, threads_before)  # noqa: E731
            js.global_this(binding).Reflect.apply(hold, None, [])
        if len(array) == quit_after and abort and not max_queue_size and not nonblocking:
            # An aborting run with an unbounded queue must abort before its producer is through
            # (about 2 s of busy waits) or the addon ends the process ("queue was never
            # closing"). The JS file's setImmediate runs only after the host has called this
            # callback for up to 1,000 queued items (node's kMaxIterationCount), each a call
            # into Python, and under a load of 5 those calls outlasted the 2 s. So this run
            # aborts at once, from the callback (a blocking producer has no "queue was never
            # full" check that an early abort could fail).
            binding.StopThread(lambda *a: stopped.set(), True)
        elif len(array) == quit_after:
            # On the host's next turn, as the JS file's setImmediate: not from the test thread,
            # which a busy machine may schedule late while the producer goes on (an aborting,
            # unbounded run must abort before the producer is through, about 2 s of its busy
            # waits, or the addon ends the process: "queue was never closing"); and not from
            # the callback at once, which a busy machine once let abort an aborting,
            # non-blocking producer before it had met a full queue ("queue was never full").
            # The immediate calls StopThread itself, with no Python function between.
            js.global_this(binding).setImmediate(binding.StopThread, lambda *a: stopped.set(), bool(abort))

    binding[thread_starter](test_callback, bool(abort), bool(launch_secondary), max_queue_size)
    assert stopped.wait(TIMEOUT)
    return list(array)


CASES = [
    # (threadStarter, quitAfter, abort, maxQueueSize, launchSecondary, expect all values)
    ("StartThread", "ARRAY_LENGTH", False, "MAX_QUEUE_SIZE", False, True),
    ("StartThreadNoJsFunc", "ARRAY_LENGTH", False, "MAX_QUEUE_SIZE", False, True),
    ("StartThread", "ARRAY_LENGTH", False, 0, False, True),
    ("StartThreadNonblocking", "ARRAY_LENGTH", False, "MAX_QUEUE_SIZE", False, True),
    ("StartThread", 1, False, "MAX_QUEUE_SIZE", False, True),
    ("StartThread", 1, False, 0, False, True),
    ("StartThreadNonblocking", 1, False, "MAX_QUEUE_SIZE", False, True),
    ("StartThread", 1, False, "MAX_QUEUE_SIZE", True, True),
    ("StartThreadNonblocking", 1, False, "MAX_QUEUE_SIZE", True, True),
    ("StartThread", 1, True, "MAX_QUEUE_SIZE", False, False),
    ("StartThread", 1, True, 0, False, False),
    ("StartThreadNonblocking", 1, True, "MAX_QUEUE_SIZE", False, False),
    # Not stalled at kMaxIterationCount in src/node_api.cc.
    ("StartThreadNonblocking", "ARRAY_LENGTH", False, "HALF_ARRAY_LENGTH", False, True),
]


@pytest.mark.parametrize("starter,quit_after,abort,queue,secondary,complete", CASES)
def test_with_js_marshaller(node_addon, starter, quit_after, abort, queue, secondary, complete):
    binding = node_addon("node-api", "test_threadsafe_function")
    sizes = {
        "ARRAY_LENGTH": binding.ARRAY_LENGTH,
        "MAX_QUEUE_SIZE": binding.MAX_QUEUE_SIZE,
        "HALF_ARRAY_LENGTH": binding.ARRAY_LENGTH >> 1,
    }
    result = with_js_marshaller(
        binding, starter, sizes.get(quit_after, quit_after), abort, sizes.get(queue, queue), secondary
    )
    if complete:
        assert result == expected_array(binding)
    else:
        assert 0 not in result  # result.indexOf(0) === -1


@pytest.mark.parametrize("queue", ["MAX_QUEUE_SIZE", 0])
def test_unref_rapid_teardown(node_addon, queue):
    binding = node_addon("node-api", "test_threadsafe_function")
    queue_size = binding.MAX_QUEUE_SIZE if queue == "MAX_QUEUE_SIZE" else 0
    values = []
    closed = threading.Event()

    def callback(value):
        values.append(value)
        if len(values) == 1:
            # Node releases right after StartThread, before any call can run; here calls run
            # on the dispatcher at once, and may be two before the test thread gets to it.
            binding.Release()
        elif len(values) == 2:
            # As node's child does, from the callback itself: Unref, then the teardown (node's
            # exit once this dispatch ends). Left to the test thread, both waited for a thread
            # that a busy machine may schedule late, while the host kept delivering: the whole
            # queue, 0 included, could arrive first.
            binding.Unref()
            napi_python.close(binding)
            closed.set()

    binding.StartThread(callback, False, True, queue_size)
    assert closed.wait(TIMEOUT), "closing the addon hung (or the second value never came)"
    assert 0 not in values
