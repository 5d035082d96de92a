"""Buffers cross through memory both processes map: no copies from JS to Python,
one copy (or none) from Python to JS, writes seen on both sides, memory that outlives the host
and is freed when both sides let go."""

from __future__ import annotations

import array
import gc
import json
import os

import numpy as np
import pytest
from conftest import addon_path, node_eval, rss_mib

import napi_python
from napi_python import AddonCrashedError, js

MiB = 1 << 20

# napi_typedarray_type, the JS type, the numpy dtype, and the expected first elements
# (addon: element i = i + 1, negated for signed kinds, + 0.5 for float kinds).
KINDS = [
    (0, "Int8Array", np.int8, [-1, -2, -3]),
    (1, "Uint8Array", np.uint8, [1, 2, 3]),
    (2, "Uint8ClampedArray", np.uint8, [1, 2, 3]),
    (3, "Int16Array", np.int16, [-1, -2, -3]),
    (4, "Uint16Array", np.uint16, [1, 2, 3]),
    (5, "Int32Array", np.int32, [-1, -2, -3]),
    (6, "Uint32Array", np.uint32, [1, 2, 3]),
    (7, "Float32Array", np.float32, [1.5, 2.5, 3.5]),
    (8, "Float64Array", np.float64, [1.5, 2.5, 3.5]),
    (9, "BigInt64Array", np.int64, [-1, -2, -3]),
    (10, "BigUint64Array", np.uint64, [1, 2, 3]),
    (11, "Float16Array", np.float16, [1.5, 2.5, 3.5]),
]


def pattern(n: int) -> bytes:
    return bytes(i & 0xFF for i in range(n))


def test_a_buffer_from_js_is_shared_memory_written_on_both_sides(load):
    addon = load("shared")
    b = addon.make(MiB)
    assert b.shared and b.js_type == "Buffer" and len(b) == MiB
    mv = memoryview(b)
    assert mv.tobytes()[:300] == pattern(300)
    addon.hold(b)
    mv[0] = 99
    assert addon.peek(0) == 99, "the addon sees Python's write"
    addon.poke(5, 7)
    assert mv[5] == 7, "Python sees the addon's write"
    # A buffer the host sent goes back as the very object (Node's identity), with no copy.
    assert addon.isHeld(b)
    assert addon.address(b) == addon.address(addon.held())


@pytest.mark.parametrize("type_id,name,dtype,first", KINDS, ids=[k[1] for k in KINDS])
def test_every_typed_array_kind_has_its_format_and_numpy_reads_it_in_place(load, type_id, name, dtype, first):
    addon = load("shared")
    ta = addon.typed(type_id, 5)
    assert ta.js_type == name and len(ta) == 5
    mv = memoryview(ta)
    assert mv.itemsize == np.dtype(dtype).itemsize and mv.nbytes == 5 * mv.itemsize
    assert mv.format == np.dtype(dtype).char or np.dtype(mv.format) == np.dtype(dtype)
    arr = np.frombuffer(ta, dtype=dtype)
    assert arr[:3].tolist() == first
    addon.hold(ta)
    arr[1] = 0
    assert addon.kind(addon.held()) == name
    size = mv.itemsize
    assert [addon.peek(size + k) for k in range(size)] == [0] * size, "the addon sees numpy's write"
    assert any(addon.peek(k) for k in range(size))


def test_dataviews_and_arraybuffers_cross_as_themselves(load):
    addon = load("shared")
    ab = js.alloc(addon, 16, "ArrayBuffer")
    assert ab.js_type == "ArrayBuffer" and addon.kind(ab) == "ArrayBuffer"
    memoryview(ab)[:] = bytes(range(1, 17))
    dv = addon.dataView(ab, 4, 8)
    assert dv.js_type == "DataView" and bytes(dv) == bytes(range(5, 13))
    assert addon.kind(dv) == "DataView" and addon.address(dv) == addon.address(ab) + 4


def test_bytes_arrive_as_a_buffer_copied_and_untouched(load):
    addon = load("shared")
    for n in (0, 10, 4095, 4096, 3 * MiB + 5):
        data = pattern(n)
        assert addon.kind(data) == "Uint8Array"
        assert addon.sum(data) == sum(data)
    data = pattern(10000)
    addon.fill(data, 1)
    assert data == pattern(10000), "bytes are immutable: the addon wrote into its copy"


def test_small_bytes_reach_the_addon_whole_and_its_writes_stay_in_its_copy(load):
    addon = load("shared")
    for n in (1, 5, 63, 64, 65, 128, 129, 1000, 1024):
        data = pattern(n)
        assert (addon.kind(data), addon.sum(data)) == ("Uint8Array", sum(data)), n
        addon.fill(data, 0xFF)
        assert data == pattern(n), f"{n} bytes: the addon wrote into its copy"
    # Blocks freed by collections are reused for the next buffers of their size: each shows
    # its own bytes, never the last owner's.
    for i in range(3000):
        data = bytes([i & 0xFF]) * (1 + i % 7)
        assert addon.sum(data) == (i & 0xFF) * (1 + i % 7), i


def test_small_bytes_the_addon_keeps_outlive_the_collections_of_later_calls(load):
    """A Buffer made of `bytes` and kept by the addon (a strong reference) keeps its memory
    while later calls' Buffers of the same size die and their blocks are reused."""
    addon = load("shared")
    addon.hold(b"kept!")
    for i in range(5000):
        assert addon.sum(bytes([i & 0x7F]) * 5) == (i & 0x7F) * 5
    js.gc(addon)
    assert [addon.peek(i) for i in range(5)] == list(b"kept!")
    assert bytes(addon.held()) == b"kept!"
    addon.release()
    js.gc(addon)
    for i in range(3000):
        assert addon.sum(bytes([i & 0x7F]) * 5) == (i & 0x7F) * 5


def test_a_long_loop_of_small_bytes_keeps_the_hosts_shared_memory_bounded(load):
    """Each call's Buffer dies with the call: 60,000 calls of 1,000 bytes (60 MB in blocks of
    1 KiB) leave the host's shared memory at its first segment, the blocks reused."""
    from napi_python.js.anchor import required_connection

    addon = load("shared")
    data = bytes(range(256)) * 4
    assert addon.sum(data) == sum(data)
    conn = required_connection("a test", addon)
    mapped = conn._bookkeeping["host_mapped_bytes"]
    assert 0 < mapped < 60_000 * len(data), "one segment, smaller than what the loop sends"
    for _ in range(60_000):
        assert addon.sum(data) == 130_560
    js.gc(addon)
    assert conn._bookkeeping["host_mapped_bytes"] == mapped


@pytest.mark.parametrize(
    "make",
    [
        lambda n: bytearray(n),
        lambda n: memoryview(bytearray(n)),
        lambda n: array.array("i", [0] * (n // 4)),
        lambda n: np.zeros(n, dtype=np.uint8),
        lambda n: np.zeros(n // 8, dtype=np.float64),
    ],
    ids=["bytearray", "memoryview", "array", "numpy-uint8", "numpy-float64"],
)
@pytest.mark.parametrize("n", [16, 1 << 16])
def test_the_addons_writes_reach_writable_python_buffers(load, make, n):
    addon = load("shared")
    target = make(n)
    addon.fill(target, 7)
    assert bytes(memoryview(target).cast("B")) == b"\x07" * n


@pytest.mark.parametrize("n", [16, 1 << 16], ids=["copied", "lent-in-process"])
def test_the_addons_writes_reach_a_python_buffer_when_the_call_then_throws_as_under_node(load, n):
    """A call that writes into a writable buffer and then throws: the writes stay, as node's
    Buffer keeps them (an upload is still written back, a lent buffer was written in place)."""
    expected = node_eval(
        f"const a = require({json.dumps(addon_path('shared'))}); const b = Buffer.alloc({n});"
        "let message = null; try { a.fillThenThrow(b, 7); } catch (e) { message = e.message; }"
        "console.log(JSON.stringify([message, b.toString('hex')]))"
    )
    addon = load("shared")
    target = bytearray(n)
    with pytest.raises(napi_python.JSError) as raised:
        addon.fillThenThrow(target, 7)
    assert [raised.value.message, target.hex()] == expected


def test_memory_python_got_from_the_host_goes_back_without_a_copy(load):
    addon = load("shared")
    jb = js.alloc(addon, MiB)
    assert jb.shared and bytes(jb) == bytes(MiB)
    arr = np.frombuffer(jb, dtype=np.uint8)
    arr[:] = 3
    base = addon.address(jb)
    assert addon.sum(arr) == 3 * MiB
    assert addon.address(arr) == base, "a numpy view of shared memory arrives in place"
    part = memoryview(jb)[100:200]
    assert addon.address(part) == base + 100
    addon.fill(part, 9)
    assert arr[99] == 3 and arr[100] == 9 and arr[199] == 9 and arr[200] == 3
    # Typed views of shared memory keep their offset and length too.
    f64 = js.alloc(addon, 64, "Float64Array")
    assert f64.js_type == "Float64Array" and len(f64) == 8
    with pytest.raises(Exception, match="whole elements"):
        js.alloc(addon, 12, "Float64Array")
    with pytest.raises(ValueError):
        js.alloc(addon, -1)


@pytest.mark.isolated_only
def test_a_view_stays_readable_after_the_host_crashes(load):
    addon = load("shared")
    faults = load("faults")
    b = addon.make(MiB)
    mv = memoryview(b)
    os.kill(napi_python.addon_info(addon).pid, 9)
    with pytest.raises(AddonCrashedError):
        addon.sum(b"x")
    assert mv.tobytes() == pattern(MiB)
    mv[0] = 1  # still mapped and writable: no SIGBUS
    assert mv[0] == 1
    del faults


def test_a_python_view_keeps_its_memory_and_letting_go_frees_it(load):
    addon = load("shared")
    b = addon.make(4 * MiB)
    mv = memoryview(b)
    del b
    js.gc(addon)
    # Still held by the view: new buffers do not reuse its memory.
    others = [addon.make(4 * MiB) for _ in range(4)]
    for o in others:
        addon.fill(o, 0xEE)
    assert mv.tobytes() == pattern(4 * MiB)
    address = addon.address(np.frombuffer(mv, dtype=np.uint8))
    del mv, others
    gc.collect()
    js.gc(addon)
    # Freed: the next buffer of its size may take its place.
    reused = [addon.address(addon.make(4 * MiB)) for _ in range(6)]
    assert address in reused


def test_detaching_keeps_memory_python_still_views(load):
    addon = load("shared")
    ab = js.alloc(addon, MiB, "ArrayBuffer")
    mv = memoryview(ab)
    mv[:4] = b"keep"
    addon.hold(ab)
    addon.detachHeld()
    assert addon.kind(addon.held()) == "ArrayBuffer"
    addon.release()
    js.gc(addon)
    for _ in range(3):
        addon.fill(addon.make(MiB), 0xAA)
    assert mv[:4].tobytes() == b"keep"


def test_external_memory_crosses_as_itself_and_writes_reach_both_sides_as_under_node(load):
    """An external buffer (the addon's memory) crosses as the object itself over a shared mirror:
    Python's writes reach the addon's memory and the addon's reach Python at the next exchange;
    a view Python passes back lies in the addon's memory. Expected values from node."""
    expected = node_eval(
        f"const a = require({json.dumps(addon_path('buffers'))}); const b = a.externalBuffer();"
        "b[0] = 106; const s = a.writeExternal(5, 33);"
        "console.log(JSON.stringify([s, b.toString(), a.externalOffset(b), a.externalOffset(b.subarray(2, 4)),"
        " a.externalBuffer().toString()]))"
    )
    addon = load("buffers")
    b = addon.externalBuffer()
    assert b.shared and bytes(b) == b"hello, external"
    memoryview(b)[0] = ord("j")
    s = addon.writeExternal(5, 33)
    view = np.frombuffer(b, dtype=np.uint8)[2:4]
    assert [
        s,
        bytes(b).decode(),
        addon.externalOffset(b),
        addon.externalOffset(view),
        bytes(addon.externalBuffer()).decode(),
    ] == expected
    del b, view
    gc.collect()
    js.gc(addon)
    assert addon.externalFinalized() == 2


def test_buffers_cannot_cross_to_another_host(load):
    a = load("shared")
    b = load("shared")
    buf = a.make(10)
    with pytest.raises(TypeError, match="another addon host"):
        b.sum(buf)


@pytest.mark.isolated_only
def test_a_long_run_of_large_buffers_stays_bounded(load):
    addon = load("shared")
    start_host, start_py = rss_mib(napi_python.addon_info(addon).pid), rss_mib(os.getpid())
    for i in range(120):
        b = addon.make(8 * MiB)
        assert addon.sum(b) == sum(range(256)) * (8 * MiB // 256)
        data = memoryview(b).tobytes()
        assert addon.sum(data) == addon.sum(b)
        del b, data
        if i % 10 == 0:
            gc.collect()
    gc.collect()
    js.gc(addon)
    # 120 x 16 MiB went through; the peak in use at once is a few buffers.
    assert rss_mib(napi_python.addon_info(addon).pid) - start_host < 400
    assert rss_mib(os.getpid()) - start_py < 400


def test_a_buffer_too_large_for_the_memory_limit_fails_and_the_host_goes_on(load):
    from napi_python import JSError, Sandbox

    addon = load("shared", sandbox=Sandbox(memory=512 * MiB))
    with pytest.raises(JSError):
        addon.make(600 * MiB)
    # The host lives on, and smaller buffers are still shared memory.
    b = addon.make(MiB)
    assert b.shared and addon.sum(b) == sum(range(256)) * (MiB // 256)
