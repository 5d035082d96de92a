"""Node-API chapters "Simple asynchronous operations" and "Custom asynchronous operations", and
the asynchronous cleanup hooks (addon: addons/c/async_work.c).

`execute` runs on the host's worker pool, `complete` on its JS thread between client requests;
the addon keeps what it observed in C, and the tests poll its synchronous getters (each poll is a
request, so completions get their turn) until a generous deadline. Expected values were recorded
with the same addon under node 20 (the scripts are in the test docstrings where they matter).
"""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from conftest import IN_PROCESS
from processes import thread_names

import napi_python
from napi_python import JSError, js

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_GENERIC_FAILURE = 9
NAPI_CANCELLED = 11
NAPI_CALLBACK_SCOPE_MISMATCH = 14
DEADLINE = 5.0
SLOTS = 8


def wait_for(predicate, what: str):
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def pool_threads(pid: int) -> int:
    """How many async-work threads process `pid` has (the pool starts all of them at its first
    use, and they never end)."""
    return sum(1 for name in thread_names(pid) if name.startswith("napi-worker-"))


def run_gated(addon, pool_size: int):
    """Queues SLOTS gated work items; returns what node 20 reports for the same sequence:
    concurrency while gated, cancel statuses (queued, the same again, running), the
    items' [completed, status, executed, off the JS thread] once the gate opens, cancel of
    finished work, and the most that ran at once."""
    addon.setGate(False)
    for i in range(SLOTS):
        assert addon.queue(i, True, False, None) == NAPI_OK
    wait_for(lambda: addon.concurrency()[0] == pool_size, f"{pool_size} running items")
    # Every thread of the pool is held at the gate: no other can take a further item.
    assert pool_threads(napi_python.addon_info(addon).pid) == pool_size
    running = addon.concurrency()
    cancels = [*addon.cancelTwice(SLOTS - 1), addon.cancel(0)]
    addon.setGate(True)
    wait_for(lambda: all(addon.state(i)[0] == 1 for i in range(SLOTS)), "every completion")
    states = [addon.state(i) for i in range(SLOTS)]
    after = addon.cancel(0)
    most = addon.concurrency()[1]
    for i in range(SLOTS):
        assert addon.delete(i) == NAPI_OK
    return running, cancels, states, after, most


def test_execute_runs_on_the_pool_and_complete_gets_ok_or_cancelled(load):
    """node: conc [4,4], cancels [0, 0, 9] (a cancelled item may be cancelled again within the
    same turn; complete still runs once; running work cannot be cancelled), states all [1,0,true,true] except the cancelled [1,11,false,false],
    cancel after completion 9, max 4."""
    if "UV_THREADPOOL_SIZE" in os.environ:
        pytest.skip("the default pool size is only observable without UV_THREADPOOL_SIZE")
    addon = load("async_work")
    running, cancels, states, after, most = run_gated(addon, 4)
    assert running == [4, 4]
    assert cancels == [NAPI_OK, NAPI_OK, NAPI_GENERIC_FAILURE]
    assert states[:-1] == [[1, NAPI_OK, True, True]] * (SLOTS - 1)
    assert states[-1] == [1, NAPI_CANCELLED, False, False]
    assert after == NAPI_GENERIC_FAILURE
    assert most == 4


def test_pool_size_comes_from_uv_threadpool_size(load):
    """node with UV_THREADPOOL_SIZE=2: conc [2,2], max 2, the rest as above."""
    addon = load("async_work", env={"UV_THREADPOOL_SIZE": "2"})
    running, cancels, states, _after, most = run_gated(addon, 2)
    assert running == [2, 2]
    assert most == 2
    assert cancels == [NAPI_OK, NAPI_OK, NAPI_GENERIC_FAILURE]
    assert states[-1] == [1, NAPI_CANCELLED, False, False]


def test_argument_checks_answer_nodes_statuses(load):
    """node: [1,1,1,0,1,0,1,1,1]: NULL execute, NULL result, NULL name, a primitive resource
    (converted), cancel of never-queued work (libuv's EINVAL), delete, then NULL work for
    queue, cancel and delete."""
    addon = load("async_work")
    assert addon.createStatuses(js.symbol(addon, "s")) == [1, 1, 1, 0, 1, 0, 1, 1, 1]
    assert addon.createWith(5, "x") == NAPI_OK
    assert addon.createWith({}, 7) == NAPI_OK
    # node: TypeError "Cannot convert undefined or null to object" for null and undefined.
    for resource in (js.null, js.undefined):
        with pytest.raises(TypeError, match="Cannot convert undefined or null to object"):
            addon.createWith(resource, "x")


def test_an_exception_thrown_by_complete_is_reported_and_ends_the_host(load, monkeypatch):
    """An exception `complete` leaves pending is uncaught: node's process dies with it; the
    host reports it (to sys.unraisablehook by default) and ends, as whatever waits on it is
    told (test_uncaught.py)."""
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    addon = load("async_work", **({} if IN_PROCESS else {"restart": False}))
    host = napi_python.addon_info(addon).host
    assert addon.queue(0, False, True, None) == NAPI_OK
    wait_for(lambda: reported, "the report of the uncaught exception")
    assert isinstance(reported[0].exc_value, JSError) and reported[0].exc_value.message == "thrown by complete"
    wait_for(lambda: not host.alive, "the end of the host")
    with pytest.raises(napi_python.AddonCrashedError, match="thrown by complete") as ended:
        addon.state(0)
    assert ended.value.__cause__ is reported[0].exc_value


def test_closing_returns_after_the_dispatcher_ran_what_the_host_sent(load, monkeypatch):
    """What the host sent before it ended (here the report of an uncaught exception thrown
    by a completion) is run by the event dispatcher before `close` returns, even while the hook
    it calls takes its time: code after `close` sees every report."""
    started = threading.Event()
    reported = []

    def slow_hook(unraisable):
        started.set()
        time.sleep(0.3)
        reported.append(unraisable)

    monkeypatch.setattr(sys, "unraisablehook", slow_hook)
    addon = load("async_work")
    assert addon.queue(0, False, True, None) == NAPI_OK
    assert started.wait(10), "the report of the uncaught exception"
    napi_python.close(addon)
    assert [r.exc_value.message for r in reported] == ["thrown by complete"]


def test_an_event_may_close_its_own_host(load, monkeypatch):
    """`close` waits for the event dispatcher (up to its grace, made an hour here), but not
    when the dispatcher itself closes the host from an event (here the uncaught-exception
    hook): it returns without waiting for the thread it runs on."""
    monkeypatch.setattr(napi_python.hosts.host, "CLOSE_GRACE", 3600.0)
    addon = load("async_work")
    closed = threading.Event()

    def close_on_report(exc):
        napi_python.close(addon)
        closed.set()

    napi_python.set_uncaught_hook(close_on_report)
    try:
        assert addon.queue(0, False, True, None) == NAPI_OK
        assert closed.wait(60), "the hook's close did not return: it waited for its own thread"
    finally:
        napi_python.set_uncaught_hook(None)
    assert not napi_python.addon_info(addon).host.alive


def test_closing_waits_for_queued_work_and_runs_its_completion(load, tmp_path):
    """node keeps the loop alive for queued work: the marker says `complete 0` after exit."""
    addon = load("async_work")
    marker = tmp_path / "complete"
    addon.setGate(True)
    assert addon.queue(0, False, False, str(marker)) == NAPI_OK
    napi_python.close(addon)
    assert marker.read_text() == "complete 0\n"


def test_make_callback_and_callback_scopes(load):
    """node: makeCallback({}, f, 7) calls f with `this` an object -> ['object', 7];
    callInScope({}, () => 42) -> 42; a throw inside the scope propagates."""
    addon = load("async_work")

    def f(x):
        return ["object", x]

    assert addon.makeCallback({}, f, 7) == ["object", 7]
    assert addon.callInScope(js.object(addon), lambda: 42) == 42

    def throws():
        raise ValueError("foo")

    with pytest.raises(ValueError, match="foo"):
        addon.callInScope(js.object(addon), throws)


def test_custom_async_argument_checks(load):
    """node: [1,1,1,1,14,1,1]: async_init without name / result, async_destroy(NULL),
    open_callback_scope without result, closing a scope when none is open
    (napi_callback_scope_mismatch), make_callback with NULL recv and with a non-function."""
    addon = load("async_work")
    assert addon.customStatuses() == [1, 1, 1, 1, NAPI_CALLBACK_SCOPE_MISMATCH, 1, 1]


def test_async_cleanup_hook_runs_at_teardown_and_teardown_waits_for_its_removal(load, tmp_path):
    """node: the hook is called at exit, its thread removes it 100 ms later and node waits for
    that; the hook removed beforehand never runs. add/add/remove -> 0, remove(NULL) and a NULL
    hook -> 1."""
    addon = load("async_work")
    log = tmp_path / "hooks"
    assert addon.addAsyncCleanupHook(str(log)) == [0, 0, 0, 1, 1]
    assert not log.exists()
    napi_python.close(addon)
    assert log.read_text() == "async hook called\nasync hook done\n"


def test_napi_get_uv_event_loop_answers_the_hosts_loop(load):
    """As node: napi_ok with the host's libuv loop (tests/napi/test_uv.py drives it)."""
    addon = load("async_work")
    assert addon.uvLoopStatus() == NAPI_OK
