"""Promises: a JS Promise in Python is a JSPromise — awaitable in asyncio, with a blocking
result() and add_done_callback — settled through the host's event dispatcher, without polling;
`then` handlers that are Python callables run on that dispatcher."""

from __future__ import annotations

import asyncio
import threading

import pytest

import napi_python
from napi_python import JSError, JSPromise, js


def test_a_resolved_promise_gives_its_value(load):
    addon = load("promises")
    p = addon.deferred()
    assert isinstance(p, JSPromise) and addon.isPromise(p) is True
    assert not p.done()
    addon.resolveLast(42)
    assert p.result(timeout=10) == 42 and p.done()


def test_a_rejected_promise_raises_its_reason(load):
    addon = load("promises")
    p = addon.deferred()
    addon.rejectLast(js.new(js.global_this(addon).TypeError, "nope"))
    with pytest.raises(JSError) as info:
        p.result(timeout=10)
    assert isinstance(info.value, TypeError) and info.value.message == "nope"


def test_a_promise_answered_to_a_call_settles_in_python_without_another_request(load):
    """The host subscribes to a promise it answers a call with, so its settlement reaches
    Python even while the host serves another thread's call, which would hold back a request
    to subscribe until that call ends."""
    addon = load("promises")
    p = addon.deferred()
    addon.resolveLast(7)
    entered, gate, order = threading.Event(), threading.Event(), []

    def hold_the_host() -> None:
        entered.set()
        gate.wait(10)
        order.append("host free")

    other = threading.Thread(target=addon.callThrough, args=(hold_the_host,))
    other.start()
    assert entered.wait(10)
    assert p.result(timeout=20) == 7
    order.append("settled")
    gate.set()
    other.join()
    assert order == ["settled", "host free"]


def test_pending_promises_fail_when_the_host_goes_away(load):
    """A promise can no longer settle once its host is gone: waiting on it raises the host's
    error instead of waiting forever, whether it was awaited before or after."""
    from napi_python import AddonClosedError

    addon = load("promises")
    early, late = addon.deferred(), addon.deferred()
    told = threading.Event()
    early.add_done_callback(lambda p: told.set())
    napi_python.close(addon)
    assert told.wait(10)
    for p in (early, late):
        with pytest.raises(AddonClosedError):
            p.result(timeout=10)


def test_result_times_out_while_pending(load):
    addon = load("promises")
    p = addon.deferred()
    with pytest.raises(TimeoutError):
        p.result(timeout=0.05)


def test_await_settles_when_another_thread_resolves(load):
    addon = load("promises")

    async def main() -> object:
        p = addon.deferred()
        threading.Timer(0.05, addon.resolveLast, args=("later",)).start()
        return await p

    assert asyncio.run(main()) == "later"


def test_await_of_an_already_settled_promise(load):
    addon = load("promises")
    p = addon.deferred()
    addon.resolveLast([1, 2])

    async def main() -> object:
        return await p

    assert asyncio.run(main()) == [1, 2]


def test_done_callbacks_run_once_settled(load):
    addon = load("promises")
    p = addon.deferred()
    seen = threading.Event()
    got = []
    p.add_done_callback(lambda promise: (got.append(promise.result()), seen.set()))
    addon.resolveLast("x")
    assert seen.wait(10) and got == ["x"]


def test_then_with_a_python_handler_runs_on_the_event_dispatcher(load):
    addon = load("promises")
    p = addon.deferred()
    called = threading.Event()
    seen = []

    def handler(value):
        seen.append((value, threading.current_thread().name))
        called.set()
        return value * 2

    derived = p.then(handler)
    assert isinstance(derived, JSPromise)
    addon.resolveLast(21)
    assert called.wait(10)
    assert seen[0][0] == 21 and seen[0][1] != threading.current_thread().name
    assert derived.result(timeout=10) == 42


def test_promise_resolve_and_chaining_in_the_host(load):
    addon = load("promises")
    Promise = js.global_this(addon).Promise
    p = Promise.resolve(5)
    assert p.then(lambda v: v + 1).result(timeout=10) == 6
    boom = js.new(js.global_this(addon).Error, "boom")
    assert Promise.reject(boom).catch(lambda e: e.message).result(timeout=10) == "boom"


def test_a_python_future_becomes_a_js_promise_that_settles_with_it(load):
    import concurrent.futures

    addon = load("promises")
    fut: concurrent.futures.Future[int] = concurrent.futures.Future()
    p = js.global_this(addon).Promise.resolve(fut)
    assert isinstance(p, JSPromise) and addon.isPromise(p) is True
    derived = p.then(lambda v: v + 1)
    fut.set_result(41)
    assert derived.result(timeout=10) == 42


def test_a_rejected_python_future_rejects_with_the_same_exception(load):
    import concurrent.futures

    addon = load("promises")
    fut: concurrent.futures.Future[int] = concurrent.futures.Future()
    p = js.global_this(addon).Promise.resolve(fut)
    error = ValueError("bad")
    fut.set_exception(error)
    with pytest.raises(ValueError) as info:
        p.result(timeout=10)
    assert info.value is error


def test_a_coroutine_becomes_a_js_promise_inside_a_running_loop(load):
    addon = load("promises")

    async def compute() -> str:
        await asyncio.sleep(0.01)
        return "coro"

    async def main() -> object:
        return await js.global_this(addon).Promise.resolve(compute())

    assert asyncio.run(main()) == "coro"


def test_a_coroutine_outside_a_loop_is_refused_clearly(load):
    addon = load("promises")

    async def compute() -> int:
        return 1

    coro = compute()
    with pytest.raises(TypeError, match="running asyncio event loop"):
        js.global_this(addon).Promise.resolve(coro)
    coro.close()


def test_ticks_a_call_queues_run_once_it_returns(load):
    """`process.nextTick` and `queueMicrotask` callbacks a top-level call queues run as it returns,
    before the next call, as node runs its tick queue when a callback from its loop returns: also
    when no promise job is queued with them (the host looks for both queues after each call)."""
    addon = load("run_script")
    addon.run(
        "globalThis.ticks = []; process.nextTick(ticks.push.bind(ticks, 't')); queueMicrotask(ticks.push.bind(ticks, 'm'))"
    )
    assert addon.run("ticks.join()") == "t,m"
