"""Node-API chapter "Asynchronous thread-safe function calls" (addon: addons/c/tsfn.c).

Producers are threads the addon starts; `call_js_cb` records in C what reached the JS thread, and
the tests poll the addon's synchronous `state(id)` getter, which answers
[received, finalized, received when finalized, calls with a NULL env, js_callback always NULL,
each thread's values in the order it made them, a producer saw napi_queue_full, bad statuses].
Calls run on the host's JS thread between client requests, so each poll also gives them a turn.
Expected values were recorded with the same addon under node 20.
"""

from __future__ import annotations

import threading
import time

import pytest
from conftest import addon_path, load_in_mode, node_eval

import napi_python

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_QUEUE_FULL = 15
NAPI_CLOSING = 16
NAPI_PENDING_EXCEPTION = 10
DEADLINE = 10.0


def wait_for(read, predicate, what):
    """Polls the addon's synchronous getter `read()` until `predicate` holds of its answer."""
    deadline = time.monotonic() + DEADLINE
    while True:
        state = read()
        if predicate(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: last state {state}")
        time.sleep(0.002)


def wait_state(addon, sid, predicate, what):
    return wait_for(lambda: addon.state(sid), predicate, what)


def finalized(state):
    return state[1] >= 1


def test_create_checks_its_arguments(load):
    """node: NULL name, 0 initial threads, NULL result, neither function nor call_js_cb, and a
    non-function all answer napi_invalid_arg."""
    assert load("tsfn").createStatuses() == [NAPI_INVALID_ARG] * 5


def test_values_from_many_threads_arrive_in_the_order_each_thread_made_them(load):
    """8 threads x 500 blocking calls through a queue of 16: everything arrives, each thread's
    values in order, with js_callback NULL (no function given); the finalizer runs once, after
    the queue drained (node: the same, with [..., true, true, false, 0])."""
    addon = load("tsfn")
    sid = addon.startProducers(8, 500, 16, True)
    state = wait_state(addon, sid, finalized, "the finalizer")
    assert state == [4000, 1, 4000, 0, True, True, False, 0]


@pytest.mark.parametrize("queue", [1, 2, 3, 5])
def test_producers_blocked_on_a_small_queue_are_all_woken(load, queue):
    """A pop wakes the producers waiting for room once the queue is down to half its size, not
    on every pop (each was a wake-up of a producer that pushed one item and slept again). With
    queues this small the half is 0, 1, 1, 2 items: 3 threads x 400 blocking calls all arrive,
    each thread's in order, and the finalizer runs once; a wake-up missed leaves a producer
    blocked for ever and the finalizer never comes."""
    addon = load("tsfn")
    sid = addon.startProducers(3, 400, queue, True)
    state = wait_state(addon, sid, finalized, "the finalizer")
    assert state == [1200, 1, 1200, 0, True, True, False, 0]


def test_unbounded_queue(load):
    addon = load("tsfn")
    sid = addon.startProducers(4, 500, 0, True)
    state = wait_state(addon, sid, finalized, "the finalizer")
    assert state == [2000, 1, 2000, 0, True, True, False, 0]


def test_producers_that_end_at_once_each_make_their_call_and_release():
    """4 threads of one call each, in 20 fresh loads of the addon (a host or a copy of its own,
    so the addon's thread library starts afresh each time): each call arrives and the finalizer
    runs once. tsfn.c starts its threads detached: started then detached, a thread that had
    already ended left its record to winpthreads' pool while its exit still used it, and under
    wine about one load in six then had a producer that never ran (no release: the function was
    never finalized) or ran without its argument (an access violation)."""
    for _ in range(20):
        addon = load_in_mode(addon_path("tsfn"))
        try:
            sid = addon.startProducers(4, 1, 0, True)
            assert wait_state(addon, sid, finalized, "the finalizer") == [4, 1, 4, 0, True, True, False, 0]
        finally:
            napi_python.close(addon)


def test_non_blocking_producers_see_queue_full_and_retry(load):
    """node: 4 threads x 2000 non-blocking calls through a queue of 4 -> every value arrives in
    order and napi_queue_full was seen."""
    addon = load("tsfn")
    sid = addon.startProducers(4, 500, 4, False)
    state = wait_state(addon, sid, finalized, "the finalizer")
    assert state == [2000, 1, 2000, 0, True, True, True, 0]


def test_a_full_queue_refuses_non_blocking_calls(load):
    """node: from the JS thread, queue size 2: [0, 0, 15], release 0; later both queued values
    arrive and the finalizer runs once after them."""
    addon = load("tsfn")
    sid, *statuses, release = addon.queueFull()
    assert statuses == [NAPI_OK, NAPI_OK, NAPI_QUEUE_FULL]
    assert release == NAPI_OK
    assert wait_state(addon, sid, finalized, "the finalizer")[:4] == [2, 1, 2, 0]


def test_thread_counting_acquire_release_abort(load):
    """node, in one turn: acquire 0, release 0, release(abort) 0, acquire after abort 16
    (napi_closing), a call with no thread left 1, a release with none left 1; get_context
    answers the context. Then the finalizer runs once and nothing was called."""
    addon = load("tsfn")
    sid, *statuses, context_ok = addon.counting()
    assert statuses == [0, 0, 0, NAPI_CLOSING, NAPI_INVALID_ARG, NAPI_INVALID_ARG]
    assert context_ok is True
    assert wait_state(addon, sid, finalized, "the finalizer")[:4] == [0, 1, 0, 0]


def test_abort_wakes_a_blocked_producer_and_drops_the_queue(load):
    """node: the producer blocked on the full queue returns napi_closing; the queued item is
    never called into JS but handed to call_js_cb with a NULL env before the finalizer."""
    addon = load("tsfn")
    sid, abort, producer = addon.abortBlocked(1)
    assert (abort, producer) == (NAPI_OK, NAPI_CLOSING)
    assert wait_state(addon, sid, finalized, "the finalizer")[:4] == [0, 1, 0, 1]


def test_abort_wakes_every_blocked_producer(load):
    """Node 20 signals one waiter on abort, so with several producers blocked it hangs (checked:
    `abortBlocked(4)` never returns under node); the host wakes them all, as the Node-API docs
    promise ("napi_closing ... to all threads")."""
    addon = load("tsfn")
    sid, abort, *producers = addon.abortBlocked(4)
    assert abort == NAPI_OK
    assert producers == [NAPI_CLOSING] * 4
    assert wait_state(addon, sid, finalized, "the finalizer")[:4] == [0, 1, 0, 1]


def test_without_call_js_cb_the_function_is_called_with_no_arguments(load):
    """node: 50 calls, the most arguments seen 0, finalizer once."""
    addon = load("tsfn")
    sid = addon.defaultCall(50)
    wait_state(addon, sid, finalized, "the finalizer")
    assert addon.nativeCalls() == [50, 0]
    assert addon.state(sid)[1] == 1


def wait_deep_outcome(addon, call_id):
    return wait_for(lambda: addon.deepOutcome(call_id), lambda outcome: outcome is not None, "the threadsafe call")


def depth_of(v) -> int:
    depth = 0
    while isinstance(v, list) and v:
        v, depth = v[0], depth + 1
    return depth


def test_a_callback_given_a_5000_deep_array_gets_it_as_node_does(load):
    """A threadsafe call handing a Python callback an array 5,000 deep
    (node's JS callback takes it: `node` below) overflowed the event thread's stack, then threw
    a RecursionError into the addon; now the callback gets it whole, as node's does."""
    under_node = node_eval(
        f"const a = require({addon_path('tsfn')!r}); const seen = [];"
        "const depthOf = (v) => { let d = 0; while (Array.isArray(v) && v.length) { v = v[0]; d++; } return d; };"
        "const id = a.callWithDeepArray((v) => { seen.push(depthOf(v)); }, 5000);"
        "const poll = () => { const o = a.deepOutcome(id); if (o === null) return setTimeout(poll, 1);"
        " console.log(JSON.stringify([o, seen])); }; poll();"
    )
    assert under_node == [[NAPI_OK, ""], [5000]]
    addon = load("tsfn")
    seen = []
    deep = wait_deep_outcome(addon, addon.callWithDeepArray(lambda v: seen.append(depth_of(v)), 5000))
    assert [deep, seen] == under_node


def marker_lines(received: int, leftovers: range) -> list[str]:
    """The tsfn addon's marker: each leftover's value, then the finalizer's line (Node 24 hands
    leftovers over first; node 20 ran the finalizer first)."""
    return [*(f"L {v}" for v in leftovers), f"finalized, received {received}"]


def test_closing_the_addon_with_calls_queued_finalizes_once_and_hands_over_leftovers(load, tmp_path):
    """A producer floods a queue of 100 with 0, 1, 2, ... (blocked on its 101st call when
    startFlood returns) until the addon closes: close returns (neither hangs on the blocked
    producer nor skips the finalizer), every value the producer queued that JS did not get goes
    to call_js_cb with a NULL env, in order, and then the finalizer runs once: nothing is lost
    or given twice. How many JS got first depends on when the close comes (node, flooding
    until exit: `finalized, received 100` and no leftover), but never more than the queue holds
    are left over."""
    addon = load("tsfn")
    marker = tmp_path / "flood"
    addon.startFlood(str(marker))
    napi_python.close(addon)
    *leftovers, finalized = marker.read_text().splitlines()
    received = int(finalized.rpartition(" ")[2])
    assert received >= 0 and len(leftovers) <= 100
    assert [*leftovers, finalized] == marker_lines(received, range(received, received + len(leftovers)))


def test_a_default_call_still_queued_at_teardown_does_not_reach_python(load):
    """A producer keeps a threadsafe function with the default call_js_cb busy (its dispatch
    is nearly always queued) while Python closes the addon. Teardown runs what was posted
    before the env's hooks (node runs its loop once more), and the default call reached the
    Python function there without the Node-API entry that refuses JS once teardown began: each
    raised "Python functions can only be called while Python is calling into the addon" as an
    uncaught exception, reported through sys.unraisablehook (an error under pytest). node drops
    such calls; so must the host. Without the fix most runs of 30 met it."""
    for _ in range(30):
        addon = load("tsfn")
        first = threading.Event()
        addon.defaultCall(1_000_000, first.set)
        assert first.wait(DEADLINE), "the threadsafe function's first call did not come"
        napi_python.close(addon)
        assert not napi_python.addon_info(addon).host.alive


def test_what_a_cleanup_hook_queues_is_handed_over_as_leftovers_at_teardown(load, tmp_path):
    """A cleanup hook registered after the threadsafe function runs before the function closes
    (newest first); the 5 values it queues are never called into JS: call_js_cb gets each with
    a NULL env, in order, then the finalizer runs (`finalized, received 0`), as under node."""
    node_marker = tmp_path / "node"
    node_eval(f"require({addon_path('tsfn')!r}).queueAtTeardown({str(node_marker)!r}, 5); console.log(0)")
    assert node_marker.read_text().splitlines() == marker_lines(0, range(5))
    addon = load("tsfn")
    marker = tmp_path / "teardown"
    addon.queueAtTeardown(str(marker), 5)
    napi_python.close(addon)
    assert marker.read_text().splitlines() == marker_lines(0, range(5))


def test_a_callback_may_close_its_own_addon(load, tmp_path):
    """A Python function a threadsafe function calls (on the event dispatcher) closes its addon.
    The host is told at once, tears down (the finalizer runs) and calls Python no more; the
    answer, with nobody to take it, is dropped rather than reported. Before: the host went on
    sending the queued calls into the socket of a client that read no more, until the send
    blocked and the watchdog ended the process 2 s later with no teardown; in-process, all 1000
    calls ran after the close, each reporting AddonClosedError through sys.unraisablehook (an
    error under pytest)."""
    addon = load("tsfn")
    marker = tmp_path / "finalized"
    calls = []
    closed = threading.Event()

    def close_on_first_call():
        calls.append(marker.exists())
        napi_python.close(addon)
        closed.set()
        return 42

    addon.defaultCall(1000, close_on_first_call, str(marker))
    assert closed.wait(DEADLINE), "the threadsafe function's first call did not come"
    # close() again, from this thread: it waits for the event dispatcher to run everything the
    # host sent before it ended, so any call that came after the close has run by now.
    napi_python.close(addon)
    assert calls == [False], f"{len(calls)} calls; none may come after the close"
    assert marker.read_text().splitlines() == ["finalized, received 0"], "the host was not torn down"
    assert not napi_python.addon_info(addon).host.alive


def test_a_stream_of_calls_keeps_its_order_with_the_exceptions_it_raises(load, request):
    """A native thread's 3,000 calls through a threadsafe function (bench_async's `stream`),
    every hundredth raising: each exception reaches the uncaught hook installed (uncaught in the
    addon's call_js; with no hook the first would end the host) before the next call runs, and
    every call runs once, in order. Isolated, the event
    dispatcher runs such a stream keeping the GIL from one call to the next (it looks for the
    next with the GIL held), and an uncaught exception arrives as an event of another kind
    between two calls."""
    order: list[str] = []
    napi_python.set_uncaught_hook(lambda exc: order.append(f"reported {exc}"))
    request.addfinalizer(lambda: napi_python.set_uncaught_hook(None))
    addon = load("bench_async")
    n = 3000
    last = threading.Event()

    def on_call(i):
        order.append(f"call {i}")
        if i == n - 1:
            last.set()
        if i % 100 == 7:
            raise ValueError(i)

    addon.stream(n, on_call)
    assert last.wait(DEADLINE)
    expected = [entry for i in range(n) for entry in [f"call {i}", *([f"reported {i}"] * (i % 100 == 7))]]
    wait_for(lambda: len(order), lambda count: count == len(expected), "the last report")
    assert order == expected
