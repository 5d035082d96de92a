"""Values, proxies and promises behave as Python users expect: BigInts print as
digits, buffers made in Python move into their host's memory on their first pass, an addon
passed as a value is its exports, externals have a type of their own, proxies follow Python's
data model (missing attributes raise), promises are ``concurrent.futures.Future``s, a host's
output reaches ``sys.stdout``/``sys.stderr``, and ``Addon`` type-checks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import json
import pickle
import subprocess
import sys

import pytest
from conftest import IN_PROCESS, ROOT

import napi_python
from napi_python import BigInt, JSExternal, JSPromise, js

# --- 1. values ------------------------------------------------------------------------------


def test_a_bigint_prints_and_formats_as_its_digits():
    big = js.bigint(3)
    assert str(big) == "3" and f"{big}" == "3" and f"{big:>4}" == "   3" and f"{big:x}" == "3"
    assert format(big) == "3" and format(big, "d") == "3" and json.dumps([big]) == "[3]"
    assert repr(big) == "BigInt(3)", "repr still says what it is"
    assert str(BigInt(-(2**70))) == str(-(2**70))


@pytest.mark.parametrize(
    "make",
    [lambda: js.buffer(bytes(8)), lambda: js.typedarray("Uint8Array", bytes(8)), lambda: js.arraybuffer(bytes(8))],
    ids=["buffer", "typedarray", "arraybuffer"],
)
def test_a_buffer_made_in_python_moves_into_its_host_on_its_first_pass(load, make):
    addon = load("shared")
    b = make()
    assert not b.shared
    addon.fill(b, 7)
    assert bytes(b) == b"\x07" * 8, "the addon's writes are seen"
    assert b.shared, "it lives in the host's memory now"
    addon.hold(b)
    assert addon.isHeld(b), "from then on it passes as one JS object"
    memoryview(b)[0] = 1
    assert addon.peek(0) == 1, "and the addon sees Python's writes"


def test_a_python_buffer_with_a_view_out_goes_as_a_copy_and_gets_the_writes_back(load):
    addon = load("shared")
    b = js.buffer(bytes(4))
    view = memoryview(b)  # pins the bytes where they are
    addon.fill(b, 5)
    assert bytes(view) == b"\x05" * 4 and not b.shared
    view.release()
    addon.fill(b, 6)
    assert bytes(b) == b"\x06" * 4 and b.shared


@pytest.mark.skipif(not IN_PROCESS, reason="lending needs the host in this process")
def test_in_process_a_large_writable_buffer_is_lent_without_a_copy(load):
    addon = load("shared")
    data = bytearray(1 << 16)
    address = ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))
    assert addon.address(data) == address, "the addon sees Python's own memory"
    addon.fill(data, 3)
    assert data == b"\x03" * (1 << 16)
    data.extend(b"more")  # given back when the call ended: resizable again
    assert len(data) == (1 << 16) + 4


def test_an_addon_passed_as_a_value_is_its_exports(load):
    addon = load("shared")
    addon.hold(addon)
    assert addon.held() == napi_python.addon_info(addon).exports
    assert "fill" in js.own_property_descriptors(addon)


def test_an_external_is_a_jsexternal_that_keeps_its_identity(load):
    provider = load("hosts_provider")
    thing = provider.makeThing("x")
    assert isinstance(thing, JSExternal) and js.is_external(thing)
    assert repr(thing).startswith("<JSExternal ")
    assert js.typeof(thing) == "object", "as JS answers"
    holder = js.array(provider, [thing])
    assert holder[0] == thing and js.strict_equals(holder[0], thing)
    assert not js.is_external(js.object(provider))


def test_distinct_nulls_tell_null_from_undefined(load):
    addon = load("values", distinct_nulls=True)
    assert addon.singletons()[:2] == [js.null, js.undefined]
    assert addon.strictEquals(js.null, js.null) and not addon.strictEquals(js.null, js.undefined)
    plain = load("values")
    assert plain.singletons()[:2] == [None, None]


# --- 2. proxies follow Python's data model --------------------------------------------------


def test_a_missing_property_raises_attribute_error_and_an_undefined_one_is_none(load):
    addon = load("shared")
    obj = js.object(addon, {"present": 1, "nothing": None})
    js.set(obj, "undef", js.undefined)
    assert obj.present == 1 and obj.undef is None
    with pytest.raises(AttributeError, match="misspelled"):
        _ = obj.misspelled
    assert not hasattr(obj, "misspelled") and hasattr(obj, "undef")
    assert getattr(obj, "misspelled", "default") == "default"
    assert hasattr(obj, "toString"), "inherited properties are there"
    assert {"present", "undef", "toString", "hasOwnProperty"} <= set(dir(obj))


def test_containers_follow_their_js_kind(load):
    addon = load("shared")
    g = js.global_this(addon)
    arr = js.array(addon, [1, "a"])
    assert len(arr) == 2 and list(arr) == [1, "a"] and "a" in arr and 3 not in arr and arr
    assert not js.array(addon)
    m = js.new(g.Map)
    assert not m and len(m) == 0
    m.set("k", 5)
    assert m and len(m) == 1 and "k" in m and "z" not in m
    assert list(m) == [["k", 5]]
    weak = js.new(g.WeakSet)
    assert weak and js.object(addon) not in weak, "a WeakSet has no size: it is true"
    with pytest.raises(TypeError):
        len(weak)
    s = js.new(g.Set, js.array(addon, [1, 2, 2]))
    assert len(s) == 2 and sorted(s) == [1, 2] and 2 in s
    obj = js.object(addon, {"a": 1})
    assert obj and "a" in obj and "toString" in obj and "b" not in obj
    with pytest.raises(TypeError):
        len(obj)
    with pytest.raises(TypeError, match="not iterable"):
        iter(obj)
    assert obj == js.get(js.array(addon, [obj]), 0) and hash(obj) == hash(js.get(js.array(addon, [obj]), 0))
    assert obj != js.object(addon, {"a": 1})


# --- 3. promises are futures ----------------------------------------------------------------


def test_a_promise_is_a_concurrent_future(load):
    addon = load("promises")
    p = addon.deferred()
    assert isinstance(p, concurrent.futures.Future) and isinstance(p, JSPromise)
    assert not p.cancel() and not p.cancelled(), "JS work cannot be cancelled"
    assert not hasattr(p, "misspelled")
    seen: list[object] = []
    p.add_done_callback(lambda f: seen.append(f.result()))
    done, pending = concurrent.futures.wait([p], timeout=0)
    assert not done and pending == {p}
    addon.resolveLast(42)
    done, _ = concurrent.futures.wait([p], timeout=30)
    assert done == {p} and p.result() == 42 and p.exception() is None and seen == [42]
    assert list(concurrent.futures.as_completed([p], timeout=30)) == [p]


def test_a_rejected_promise_gives_its_exception(load):
    addon = load("promises")
    p = addon.deferred()
    addon.rejectLast(js.new(js.global_this(addon).Error, "no"))
    assert "no" in str(p.exception(timeout=30))
    with pytest.raises(Exception, match="no"):
        p.result()


def test_a_promise_works_with_asyncio_wrap_future_and_wait(load):
    addon = load("promises")

    async def main() -> object:
        p = addon.deferred()
        asyncio.get_running_loop().call_soon(addon.resolveLast, "late")
        done, _ = await asyncio.wait([asyncio.wrap_future(p)], timeout=30)
        return [f.result() for f in done]

    assert asyncio.run(main()) == ["late"]


# --- 6. typing ------------------------------------------------------------------------------


@pytest.mark.either_mode
def test_mypy_strict_accepts_exports_as_attributes(tmp_path):
    script = tmp_path / "uses_addon.py"
    script.write_text(
        "from napi_python import addon_info, require\n\n"
        "addon = require('@node-rs/crc32')\n"
        "checksum: int = addon.crc32c(b'x')\n"
        "print(addon_info(addon).path, checksum)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- 7. output ------------------------------------------------------------------------------


def test_a_hosts_output_reaches_sys_stdout_and_stderr(load, capfd):
    addon = load("isolation")
    addon.say("hello from stdout", False)
    addon.say("hello from stderr", True)
    napi_python.close(addon)  # the last lines are written by the time close returns
    out, err = capfd.readouterr()
    assert "hello from stdout\n" in out and "hello from stderr\n" in err
    assert "hello from stdout" not in err


# --- options travel with a pickled addon (point 5's recipe) -----------------------------------


def test_a_pickled_addon_keeps_distinct_nulls(load):
    addon = load("values", distinct_nulls=True)
    copy = pickle.loads(pickle.dumps(addon))
    try:
        assert copy.singletons()[:2] == [js.null, js.undefined]
    finally:
        napi_python.close(copy)
