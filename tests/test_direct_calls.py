"""Direct calls (D37): an in-process host's request runs on the calling Python thread while it
holds the host's JS lock, and the Python calls the addon makes meanwhile run inline on that same
thread. Everything about a call (callbacks, nested calls, errors, objects, promises, shared
memory made during the call) behaves as over the rings, and nothing of it goes through the host
thread: each test checks the addon ran on the caller's thread.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from napi_python import JSError, JSFunction, JSPromise


@pytest.fixture
def isolation(addons):
    addon = addons("isolation")
    assert addon.host.direct_calls
    return addon


def test_primitive_and_other_arguments_cross_as_they_do_over_the_rings(addons):
    bench = addons("bench")
    text = "0123456789abcdefghijklmnopqrstuv"
    assert [bench.add(1, 2), bench.add(2, 0.5), bench.echo(text), bench.echo(""), bench.noop()] == [
        3,
        2.5,
        text,
        "",
        None,
    ]
    fns = addons("functions")
    for other in (lambda: 7, b"bytes", 2**60, [1, 2], {"a": 1}, fns.cbInfo, None):
        assert fns.cbInfo(other)["argc"] == 1


def test_python_callbacks_run_inline_on_the_calling_thread_nested_included(addons, isolation):
    """The addon's Python calls run on the caller's thread, and may call the same host again
    (nested, directly: the thread holds its JS lock already) or another one."""
    me = threading.get_native_id()
    fns = addons("functions")
    seen = []

    def multiply(a, b):
        seen.append((threading.get_native_id(), isolation.threadId(), fns.cbInfo(a)["argc"]))
        return a * b

    fns.keep(multiply)
    assert fns.callKept(2, 3) == 6
    assert fns.callKept(6, 7) == 42
    assert seen == [(me, me, 1)] * 2


def test_a_python_exception_in_a_callback_comes_back_as_itself(addons):
    fns = addons("functions")

    class Refused(Exception):
        pass

    def refuse(x):
        raise Refused(x)

    fns.keep(refuse)
    with pytest.raises(Refused, match="5") as info:
        fns.callKept(5)
    assert type(info.value) is Refused


def test_a_js_exception_is_raised_as_over_the_rings(addons):
    errors = addons("errors")
    with pytest.raises(JSError) as caught:
        errors.throwKind(2, None, "out of range")
    assert caught.value.name == "RangeError" and "out of range" in str(caught.value)


def test_an_object_answer_comes_back_as_a_proxy(addons):
    fns = addons("functions")
    made = fns.makeFunction("named", -1)
    assert isinstance(made, JSFunction) and made() == ["payload", 0]


def test_a_promise_answer_settles_as_usual(addons):
    work = addons("bench_async")
    for _ in range(200):  # some settle while the reply lingers (D22), some after it
        promise = work.asyncAdd(20, 22)
        assert isinstance(promise, JSPromise)
        assert asyncio.run(asyncio.wait_for(promise, 5)) == 42


def test_buffers_made_during_a_call_are_readable_at_once(addons):
    """A buffer larger than a shared-memory segment gets a segment of its own during the call:
    the host's news of it reach the client before the answer that needs it."""
    buffers = addons("buffers")
    small = buffers.newArrayBuffer(8)
    large = buffers.newArrayBuffer(33 << 20)
    assert bytes(memoryview(small)) == bytes(range(8))
    view = memoryview(large)
    assert len(view) == 33 << 20 and bytes(view[:300]) == bytes(range(256)) + bytes(range(44))


def test_bytes_sent_into_a_new_client_segment_reach_the_addon(addons):
    """A large argument is copied into a new segment of the client's, whose news the host takes
    in before it serves the call."""
    shared = addons("shared")
    data = bytes(range(256)) * (33 << 12)
    assert shared.sum(data) == sum(data)


def test_threads_take_turns_and_each_runs_its_own_calls(addons, isolation):
    """Many threads call at once: each waits for the JS lock and runs its calls, and their
    callbacks, itself."""
    fns = addons("functions")
    fns.keep(lambda a, b: (a * 2 + b, threading.get_native_id()))
    errors = []

    def worker(t: int) -> None:
        me = threading.get_native_id()
        for i in range(300):
            if isolation.threadId() != me or fns.callKept(i, t) != [i * 2 + t, me]:
                errors.append((t, i))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
