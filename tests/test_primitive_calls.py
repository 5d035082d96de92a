"""Primitive calls (issue 7, D41): an in-process call whose arguments are all primitives, of a
function that was quick last time, is served on the caller's thread without a `Request`: its
chain's mailbox is opened only if the host sends the chain something (a Python call, a reply
queued behind other messages), and a primitive answer comes back as it is. Everything else about
the call (callbacks, errors, objects, promises, shared memory) must behave as on the usual path.

`Connection.primitive_calls` is `(calls served that way, chain mailboxes open)`; the event
chain's mailbox is always open.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from napi_python import JSError, JSFunction, JSPromise

EVENT_CHAIN_ONLY = 1


def counts(addon) -> tuple[int, int]:
    return addon.exports._conn.primitive_calls


def primitively(addon, call):
    """Makes `call()` until one is served as a primitive call, and answers what it answered.
    Only a function whose last call was quick is offered that way (D38), and only while the
    host thread does not hold the JS lock: on a busy machine any call may be slow, and the host
    thread may be kept from letting go of the lock for a while (a full run once saw 50 calls in
    a row refused). So the calls go on for up to ten seconds, pausing between them after the
    first fifty to let the host thread finish."""
    deadline = time.monotonic() + 10
    tries = 0
    while tries < 50 or time.monotonic() < deadline:
        before = counts(addon)[0]
        result = call()
        if counts(addon)[0] == before + 1:
            return result
        tries += 1
        if tries >= 50:
            time.sleep(0.001)
    pytest.fail(f"none of {tries} calls was served as a primitive call")


def test_quick_calls_with_primitive_arguments_take_the_primitive_path(addons):
    bench = addons("bench")
    assert counts(bench)[0] == 0
    assert bench.add(1, 2) == 3  # the first call of a function is not known to be quick yet
    assert counts(bench)[0] == 0
    assert primitively(bench, lambda: bench.add(2, 0.5)) == 2.5
    text = "0123456789abcdefghijklmnopqrstuv"
    assert primitively(bench, lambda: bench.echo(text)) == text
    assert primitively(bench, lambda: bench.noop()) is None
    assert primitively(bench, lambda: bench.echo("")) == ""
    assert counts(bench)[1] == EVENT_CHAIN_ONLY, "a primitive call opened a mailbox it never needed"


def test_other_arguments_take_the_usual_path(addons):
    fns = addons("functions")
    fns.cbInfo(1)
    before, _ = counts(fns)
    for other in (lambda: 7, b"bytes", 2**60, [1, 2], {"a": 1}, fns.cbInfo):
        assert fns.cbInfo(other)["argc"] == 1
    assert counts(fns)[0] == before
    # The same function with a primitive argument still takes it, once a call was quick (the
    # last one, with an object argument, may not have been on a busy machine).
    assert primitively(fns, lambda: fns.cbInfo(1))["argc"] == 1


def test_a_python_call_from_a_primitive_call_opens_its_chain_then_closes_it(addons):
    fns = addons("functions")
    seen = []

    def multiply(a, b):
        # A call back into the host from inside: it continues the primitive call's chain.
        seen.append(fns.cbInfo(a)["argc"])
        return a * b

    fns.keep(multiply)
    assert fns.callKept(2, 3) == 6
    assert primitively(fns, lambda: fns.callKept(6, 7)) == 42
    assert counts(fns)[1] == EVENT_CHAIN_ONLY
    assert set(seen) == {1}


def test_a_python_exception_in_the_callback_comes_back_as_itself(addons):
    fns = addons("functions")

    class Refused(Exception):
        pass

    def refuse(x):
        if x:
            raise Refused(x)
        return x

    fns.keep(refuse)
    assert primitively(fns, lambda: fns.callKept(0)) == 0
    before, _ = counts(fns)
    with pytest.raises(Refused, match="5"):
        fns.callKept(5)
    assert counts(fns) == (before + 1, EVENT_CHAIN_ONLY)


def test_a_js_exception_is_raised_as_from_the_usual_path(addons):
    errors = addons("errors")

    def throw() -> JSError:
        with pytest.raises(JSError) as caught:
            errors.throwKind(2, None, "out of range")
        return caught.value

    error = primitively(errors, throw)
    assert error.name == "RangeError" and "out of range" in str(error)


def test_an_object_answer_comes_back_as_a_proxy(addons):
    fns = addons("functions")
    made = primitively(fns, lambda: fns.makeFunction("named", -1))
    assert isinstance(made, JSFunction) and made() == ["payload", 0]
    assert counts(fns)[1] == EVENT_CHAIN_ONLY


def test_a_promise_answer_settles_as_usual(addons):
    work = addons("bench_async")
    promise = primitively(work, lambda: work.asyncAdd(20, 22))
    assert isinstance(promise, JSPromise)
    assert asyncio.run(asyncio.wait_for(promise, 5)) == 42
    assert counts(work)[1] == EVENT_CHAIN_ONLY


def test_a_reply_queued_behind_a_new_segment_is_waited_for_on_the_opened_chain(addons):
    """The answer to a call that makes a buffer larger than a shared-memory segment comes after
    the announcement of the segment made for it: the reply is queued behind it, not handed
    back, so the chain the client reads it from is opened for it."""
    buffers = addons("buffers")
    for _ in range(10):
        small = primitively(buffers, lambda: buffers.newArrayBuffer(8))
        before, _ = counts(buffers)
        large = buffers.newArrayBuffer(33 << 20)
        if counts(buffers)[0] == before + 1:
            break
    else:
        pytest.fail("the large buffer was never made in a primitive call")
    assert bytes(memoryview(small)) == bytes(range(8))
    view = memoryview(large)
    assert len(view) == 33 << 20 and bytes(view[:300]) == bytes(range(256)) + bytes(range(44))
    assert counts(buffers)[1] == EVENT_CHAIN_ONLY
