"""The napi-rs test addon's asynchronous exports (addons/rust/src/asynchronous.rs and
threadsafe.rs), against node.

`async fn`s run on napi-rs's tokio runtime and settle their promise from a tokio thread through a
threadsafe function; `AsyncTask`s run on the host's async-work pool; `Promise<T>` arguments are
awaited in Rust through the promise's `then`; napi-rs `ThreadsafeFunction`s call Python from
Rust threads and tokio tasks. Each case is stated as JavaScript and as Python,
and how its promise settles (or the call throws) must be what node gives (tests/node_oracle.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import addon_path, node_eval
from node_oracle import Case, assert_settles_as_in_node, call, case

import napi_python

ADDON = "rust_addon"


def assert_settles_as_in_node_here(addon: Any, cases: list[Case]) -> None:
    assert_settles_as_in_node(addon, cases, addon_path(ADDON))


@pytest.fixture
def rust(load):
    return load(ADDON)


def test_async_fns_resolve_after_their_tokio_delay_like_node(rust):
    assert_settles_as_in_node_here(
        rust,
        [
            call("sleepAdd", 1, 2, 5),
            call("sleepAdd", 4294967295, 2, 0),
            call("delayedGreeting", "Zoë 😀", 3),
            call("delayedNothing", 1),
            # Arguments are converted before the future starts: a bad one throws at once.
            call("sleepAdd", "1", 2, 3),
            call("sleepAdd", 1),
            call("delayedGreeting", 5, 1),
        ],
    )


def test_async_errors_reject_with_napi_rs_status_codes_like_node(rust):
    assert_settles_as_in_node_here(
        rust,
        [
            call("asyncFail", "boom", 2),
            call("asyncFail", "", 0),
            call("asyncFail", "ünïcödé", 1),
            call("asyncFailWithStatus", "bad input"),
            call("asyncCheckedDiv", 7, 2, 1),
            call("asyncCheckedDiv", 7, 0, 1),
            call("asyncCheckedDiv", -(2**31), -1, 0),
        ],
    )


def test_async_fns_over_buffers_like_node(rust):
    from napi_python import js

    big = bytes(range(256)) * 64
    assert_settles_as_in_node_here(
        rust,
        [
            call("asyncReverseBytes", b"\x01\x02\x03"),
            call("asyncReverseBytes", b""),
            call("asyncReverseBytes", big),
            call("asyncReverseBytes", bytearray(b"ab\x00c")),
            case(
                "a.asyncXorBytes(new Uint8Array([1, 2, 255]), 3)",
                lambda a: a.asyncXorBytes(js.typedarray("Uint8Array", b"\x01\x02\xff"), 3),
            ),
            call("asyncXorBytes", b"\x10\x20", 0x11),
            call("asyncXorBytes", "not bytes", 1),
            call("asyncSumBytes", b"\xff" * 1000),
            call("asyncSumBytes", b""),
            call("asyncSumBytes", [1, 2]),
        ],
    )


def test_async_tasks_compute_on_the_pool_and_resolve_reject_finally_like_node(rust):
    assert_settles_as_in_node_here(
        rust,
        [
            call("fib", 10),
            call("fib", 0),
            call("fib", 90),
            call("fib", 91),  # compute fails; the task's reject rewrites the message
            call("failingResolve", "abc"),  # resolve fails
            call("fib", "x"),
            # finally ran once per settled Fib task (3 resolved, 1 rejected), none for the throw.
            call("fibFinallyCount"),
        ],
    )


def test_promise_arguments_are_awaited_in_rust_like_node(rust):
    """JS promises made by the addon go back into it as `Promise<T>` arguments."""
    assert_settles_as_in_node_here(
        rust,
        [
            case("a.awaitPlusOne(a.sleepAdd(40, 1, 2))", lambda a: a.awaitPlusOne(a.sleepAdd(40, 1, 2))),
            case("a.awaitPlusOne(a.asyncFail('inner', 1))", lambda a: a.awaitPlusOne(a.asyncFail("inner", 1))),
            case("a.awaitPlusOne(a.delayedGreeting('s', 0))", lambda a: a.awaitPlusOne(a.delayedGreeting("s", 0))),
            case(
                "a.awaitBoth(a.delayedGreeting('x', 3), a.delayedGreeting('y', 1))",
                lambda a: a.awaitBoth(a.delayedGreeting("x", 3), a.delayedGreeting("y", 1)),
            ),
            case(
                "a.awaitBoth(a.delayedGreeting('x', 1), a.asyncFail('second', 2))",
                lambda a: a.awaitBoth(a.delayedGreeting("x", 1), a.asyncFail("second", 2)),
            ),
            call("awaitPlusOne", 5),
            call("awaitPlusOne"),
        ],
    )


def test_threadsafe_function_calls_from_a_rust_thread_arrive_in_order_like_node(rust):
    """napi-rs's ThreadsafeFunction, error first: (null, 0) .. (null, n - 1), then (error)."""
    n = 200
    expected = node_eval(
        f"const a = require({json.dumps(addon_path(ADDON))}); const seen = [];"
        "new Promise((done) => a.callFromThread((...args) => { const [err, v] = args;"
        " seen.push([args.length, err ? [err.name, err.message, err.code] : null, v === undefined ? null : v]);"
        f" if (err) done(); }}, {n})).then(() => console.log(JSON.stringify(seen)));"
    )
    seen: list[Any] = []
    done = threading.Event()

    def callback(*args: Any) -> None:
        err = args[0]
        seen.append(
            [len(args), None if err is None else [err.name, err.message, err.code], args[1] if len(args) > 1 else None]
        )
        if err is not None:
            done.set()

    rust.callFromThread(callback, n)
    assert done.wait(30)
    assert seen == expected


def test_async_fn_awaiting_a_threadsafe_call_into_python_like_node(rust):
    """A tokio task calls back into Python through a threadsafe function and awaits the value
    the callback returns (converted as napi-rs converts it)."""
    assert_settles_as_in_node_here(
        rust,
        [
            case("a.askJs((err, x) => x * 2, 21)", lambda a: a.askJs(lambda err, x: x * 2, 21)),
            case("a.askJs(() => 'x', 1)", lambda a: a.askJs(lambda *args: "x", 1)),
            case("a.askJs(() => 2.5, 1)", lambda a: a.askJs(lambda *args: 2.5, 1)),
            call("askJs", 5, 1),
        ],
    )
    boom = KeyError("from the callback")

    def throw(*args: Any) -> None:
        raise boom

    with pytest.raises(KeyError) as caught:
        rust.askJs(throw, 1).result(10)
    assert caught.value is boom


async def _later(value: Any, delay: float = 0.005) -> Any:
    await asyncio.sleep(delay)
    return value


async def _fail_later(exc: BaseException) -> Any:
    await asyncio.sleep(0.005)
    raise exc


def test_python_awaitables_as_promise_arguments(rust):
    """A coroutine or an asyncio future where napi-rs takes `Promise<T>`: awaited in Rust; a
    Python exception rejecting it comes back out of the result as the same exception."""
    boom = ValueError("from Python")

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        loop.call_later(0.005, fut.set_result, 99)
        results = [await rust.awaitPlusOne(_later(41)), await rust.awaitPlusOne(fut)]
        results.append(await rust.awaitBoth(_later("a", 0.01), _later("b")))
        with pytest.raises(ValueError) as caught:
            await rust.awaitPlusOne(_fail_later(boom))
        results.append(caught.value is boom)
        return results

    assert asyncio.run(main()) == [42, 100, "a+b", True]


def test_many_async_calls_in_flight_settle_each_with_its_own_result(rust):
    async def main() -> list[Any]:
        return await asyncio.gather(*(rust.sleepAdd(i, i, i % 7) for i in range(300)))

    assert asyncio.run(main()) == [2 * i for i in range(300)]


def errors_of_threads(count: int, worker: Callable[[int], None]) -> list[BaseException]:
    """Runs `worker(k)` on `count` threads at once; what they raised, for the main thread."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            worker(k)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_async_calls_from_many_threads_block_on_result(rust):
    """`result()` without an event loop, from 8 threads at once, tasks and tokio futures mixed."""

    def worker(k: int) -> None:
        for i in range(50):
            assert rust.sleepAdd(k, i, i % 3).result(10) == k + i
            assert (
                rust.fib(i % 20).result(10)
                == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181][i % 20]
            )

    assert errors_of_threads(8, worker) == []


def test_promises_settling_at_once_beside_other_threads_calls_are_kept_for_their_claims(rust):
    """A promise settled at once may be read before the call that made it claims it, while
    another thread's call is sent alone: its settlement is still the first call's, not a host's
    lie (which would stop the host)."""

    def worker(k: int) -> None:
        for i in range(400):
            assert rust.sleepAdd(i, k, 0).result(10) == i + k
            assert rust.addI32(i, k) == i + k

    assert errors_of_threads(6, worker) == []


def test_closing_with_tokio_futures_pending_neither_hangs_nor_leaves_promises_waiting(load, monkeypatch):
    """napi-rs's cleanup hook shuts its tokio runtime down while futures still sleep (for an hour)
    and hold threadsafe functions: the host exits by itself (`close()`'s grace, made an hour
    too, would otherwise wait), and promises Python still waits for raise AddonClosedError
    instead of waiting forever."""
    from napi_python import AddonClosedError

    monkeypatch.setattr(napi_python.hosts.host, "CLOSE_GRACE", 3600.0)
    hour_ms = 3_600_000
    for _ in range(5):
        addon = load(ADDON)
        pending = [addon.sleepAdd(1, i, hour_ms if i % 2 else i % 5) for i in range(40)]
        told = threading.Event()
        pending[3].add_done_callback(lambda p, told=told: told.set())
        closing = threading.Thread(target=napi_python.close, args=(addon,), daemon=True)
        closing.start()
        closing.join(60)
        assert not closing.is_alive(), "close() is still waiting: the host did not exit by itself"
        for p in pending[1::2]:
            with pytest.raises(AddonClosedError):
                p.result(30)
        assert told.wait(30)
