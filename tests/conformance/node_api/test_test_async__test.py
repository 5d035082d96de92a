"""node-api/test_async/test.js: napi_create/queue/cancel_async_work; `execute` on a worker
thread, `complete` on the JS thread calling back into JS.

The JS callbacks are Python callables; the driver waits for them (the event loop's job in
node) with a timeout. Node runs "an exception thrown by the completion callback" in a child
process and finds the message on its stderr (the exception is uncaught, hence fatal); here an
uncaught exception from a callback goes to `sys.unraisablehook`, and the driver checks it gets
the error. Left out: `process.nextTick(common.mustCall())` inside the callback (no process
object in a host).
"""

from __future__ import annotations

import sys
import threading

from napi_python import js

TIMEOUT = 30
TEST_EXCEPTION = "test_async_cb_exception"


def test_exception_from_complete_callback(node_addon, monkeypatch):
    test_async = node_addon("node-api", "test_async")
    reported = threading.Event()
    reports = []

    def hook(unraisable):
        reports.append(unraisable)
        reported.set()

    monkeypatch.setattr(sys, "unraisablehook", hook)
    calls = []

    def callback(*args):
        calls.append(args)
        raise Exception(TEST_EXCEPTION)

    test_async.Test(1, {}, callback)
    assert reported.wait(TIMEOUT)
    assert len(calls) == 1  # common.mustCall
    assert TEST_EXCEPTION in str(reports[0].exc_value)


def test_async_work_completes(node_addon):
    test_async = node_addon("node-api", "test_async", distinct_nulls=True)
    done = threading.Event()
    calls = []

    def callback(err, val):
        calls.append((err, val))
        done.set()

    test_async.Test(5, {}, callback)
    assert done.wait(TIMEOUT)
    assert len(calls) == 1  # common.mustCall
    err, val = calls[0]
    assert err is js.null
    assert val == 10


def test_cancel(node_addon):
    test_async = node_addon("node-api", "test_async")
    done = threading.Event()
    calls = []

    def callback(*args):
        calls.append(args)
        done.set()

    test_async.TestCancel(callback)
    assert done.wait(TIMEOUT)
    assert len(calls) == 1  # common.mustCall
