"""What Node's test files get from `assert` and `test/common`, for the Python drivers.

- `throws(fn, pattern)`: `assert.throws(fn, /pattern/)`, matched against `String(err)`,
  i.e. `"<name>: <message>"` for an Error.
- `MustCall(n)`: `common.mustCall(fn, n)` / `common.mustNotCall()` (`n=0`); `.check()` asserts
  the count (Node checks at process exit; drivers call it at the end of the test).
- `gc_until(addon, condition)`: `gcUntil()` of test/common/gc.js (up to 10 collections).
- `for_in_keys(obj)`: the keys a JS `for (k in obj)` visits.
- `same(a, b)`: `assert.strictEqual` semantics (Object.is) for values crossing to Python.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from napi_python import JSError, JSObject, js


def error_string(err: JSError) -> str:
    """`String(err)` for an Error: `name: message` (just `name` or `message` when one is empty)."""
    if not err.message:
        return err.name
    if not err.name:
        return err.message
    return f"{err.name}: {err.message}"


def throws(
    fn: Callable[[], Any],
    pattern: str | None = None,
    *,
    name: str | None = None,
    message: str | None = None,
    code: str | None = None,
) -> JSError:
    """`assert.throws(fn, /pattern/)` or `assert.throws(fn, {name, message, code})`."""
    with pytest.raises(JSError) as info:
        fn()
    err = info.value
    if pattern is not None:
        text = error_string(err)
        assert re.search(pattern, text), f"{text!r} does not match /{pattern}/"
    if name is not None:
        assert err.name == name
    if message is not None:
        assert err.message == message
    if code is not None:
        assert err.code == code
    return err


class MustCall:
    """A callable that counts its calls; `check()` asserts it was called `expected` times."""

    def __init__(self, expected: int = 1, fn: Callable[..., Any] | None = None) -> None:
        self.expected = expected
        self.calls = 0
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        if self.fn is not None:
            return self.fn(*args)
        return None

    def check(self) -> None:
        assert self.calls == self.expected, f"called {self.calls} times, expected {self.expected}"


def must_not_call() -> MustCall:
    return MustCall(0)


def gc_until(addon: Any, condition: Callable[[], Any], name: str = "gcUntil", max_count: int = 10) -> None:
    """gcUntil(name, condition): collect until `condition()` holds, at most `max_count` times."""
    for _ in range(max_count):
        js.gc(addon)
        if condition():
            return
    raise AssertionError(f"Test {name} failed")


def for_in_keys(obj: JSObject) -> list[str]:
    """The string keys `for (k in obj)` visits: enumerable ones along the prototype chain, each
    once, a key shadowed by a non-enumerable own property excluded."""
    seen: set[Any] = set()
    out: list[str] = []
    cur: Any = obj
    while isinstance(cur, JSObject):
        descriptors = js.own_property_descriptors(cur)
        for key in js.keys(cur):
            if not isinstance(key, str) or key in seen:
                continue
            seen.add(key)
            if descriptors[key]["enumerable"]:
                out.append(key)
        cur = js.get_prototype(cur)
    return out


def same(a: Any, b: Any) -> bool:
    """assert.strictEqual's Object.is for values that crossed to Python."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, JSObject) or isinstance(b, JSObject):
        return js.strict_equals(a, b)
    if type(a) is not type(b) and not (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return False
    return a == b


def host_output(capfd, caplog, stream: str, until, timeout: float = 5.0) -> str:
    """What the host wrote to `stream` ("stdout"/"stderr"): read from the test's own file
    descriptors (a host that inherits them) plus the "napi_python.host" log records (a host
    whose output napi_python forwards to logging, one record per line). Waits up to `timeout`
    for `until(text)` to hold, since forwarded lines arrive from a background thread."""
    fd_text = ""
    deadline = time.monotonic() + timeout
    while True:
        out, err = capfd.readouterr()
        fd_text += out if stream == "stdout" else err
        logged = [
            r.args[2]
            for r in caplog.records
            if r.name == "napi_python.host" and isinstance(r.args, tuple) and len(r.args) == 3 and r.args[1] == stream
        ]
        text = fd_text + "".join(line + "\n" for line in logged)
        if until(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def assert_fatal_abort(err: Any, message: str) -> None:
    """What node's tests check of a process ended by napi_fatal_error: "FATAL ERROR: <message>"
    on stderr, the message in the error, and an abort (common.nodeProcessAborted)."""
    assert f"FATAL ERROR: {message}" in err.stderr
    assert message in str(err)
    assert err.exit_code == 134 or err.signal == "SIGABRT"
