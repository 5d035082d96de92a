"""js-native-api/test_promise/test.js: napi_create_promise, napi_resolve/reject_deferred,
napi_is_promise.

The JS file attaches `then` handlers and lets the event loop settle them. The driver attaches
the same handlers (Python callables) through the promise's own `then`, and waits for the
promise `then` returns (`JSPromise.result`) so the handlers have run before it checks them.
"""

from __future__ import annotations

from napi_python import js

TIMEOUT = 10


class MustCall:
    def __init__(self, check=None):
        self.calls = 0
        self.check = check

    def __call__(self, *args):
        self.calls += 1
        if self.check is not None:
            self.check(*args)


def test_resolution(node_addon):
    t = node_addon("js-native-api", "test_promise")
    expected_result = 42
    promise = t.createPromise()
    got = []
    on_ok = MustCall(lambda result: got.append(result))
    on_err = MustCall()
    chained = promise.then(on_ok, on_err)
    t.concludeCurrentPromise(expected_result, True)
    chained.result(timeout=TIMEOUT)
    assert on_ok.calls == 1 and on_err.calls == 0
    assert got == [expected_result]


def test_rejection(node_addon):
    t = node_addon("js-native-api", "test_promise")
    expected_result = "It's not you, it's me."
    promise = t.createPromise()
    got = []
    on_ok = MustCall()
    on_err = MustCall(lambda result: got.append(result))
    chained = promise.then(on_ok, on_err)
    t.concludeCurrentPromise(expected_result, False)
    chained.result(timeout=TIMEOUT)
    assert on_ok.calls == 0 and on_err.calls == 1
    assert got == [expected_result]


def test_chaining(node_addon):
    t = node_addon("js-native-api", "test_promise")
    expected_result = "chained answer"
    # Promise.resolve('chained answer'): a host-side promise, already resolved (made first:
    # the addon holds one deferred at a time).
    helper = t.createPromise()
    t.concludeCurrentPromise(expected_result, True)
    promise = t.createPromise()
    got = []
    on_ok = MustCall(lambda result: got.append(result))
    on_err = MustCall()
    chained = promise.then(on_ok, on_err)
    t.concludeCurrentPromise(helper, True)
    chained.result(timeout=TIMEOUT)
    assert on_ok.calls == 1 and on_err.calls == 0
    assert got == [expected_result]


def test_is_promise(node_addon):
    t = node_addon("js-native-api", "test_promise")
    promise_type_test_promise = t.createPromise()
    assert t.isPromise(promise_type_test_promise) is True
    t.concludeCurrentPromise(None, True)

    # Promise.reject(-1): a host-side promise rejected with -1.
    reject_promise = t.createPromise()
    t.concludeCurrentPromise(-1, False)
    expected_reason = -1
    assert t.isPromise(reject_promise) is True
    reasons = []
    caught = reject_promise.catch(lambda reason: reasons.append(reason))
    caught.result(timeout=TIMEOUT)
    assert reasons == [expected_reason]

    assert t.isPromise(2.4) is False
    assert t.isPromise("I promise!") is False
    assert t.isPromise(None) is False
    assert t.isPromise(js.null) is False
    assert t.isPromise(js.object(t)) is False
