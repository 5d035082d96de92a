"""ArrayBuffers and Buffers over the addon's own memory, detaching, and views on detached
buffers. Expected values recorded under node 20."""

from __future__ import annotations

import gc

from conftest import addon_path, node_eval

from napi_python import BigInt, js


def test_external_buffer_shows_the_addons_memory_and_is_finalized_once(load):
    addon = load("buffers")
    b = addon.externalBuffer()
    assert b.js_type == "Buffer" and bytes(b) == b"hello, external"
    js.gc(addon)
    # Python holds the buffer itself (as a JS variable would): not collected yet.
    assert addon.externalFinalized() == 0
    del b
    gc.collect()
    js.gc(addon)
    assert addon.externalFinalized() == 1
    js.gc(addon)
    assert addon.externalFinalized() == 1


def test_external_arraybuffer(load):
    addon = load("buffers")
    ab = addon.externalArrayBuffer()
    assert ab.js_type == "ArrayBuffer" and bytes(ab) == b"hello"


def test_a_failed_external_buffer_neither_adopts_nor_finalizes(load):
    addon = load("buffers")
    assert addon.failedExternalStatus() == 1  # napi_invalid_arg
    js.gc(addon)
    assert addon.externalFinalized() == 0


def test_detach_empties_the_buffer_and_its_views(load):
    addon = load("buffers")
    assert bytes(addon.newArrayBuffer(8)) == bytes(range(8))
    assert addon.detach(js.arraybuffer(bytes(4))) == [0, True]
    assert addon.detach(js.object(addon)) == [19, False]  # napi_arraybuffer_expected
    # [length, byteOffset, data is NULL] before and after detaching the buffer under a view
    # (node 20: [[4,2,false],[0,true],[0,0,true]]).
    assert addon.viewDetachSequence() == [[4, 2, False], [0, True], [0, 0, True]]


def test_typed_array_elements_live_in_the_buffer_as_in_node(load):
    # napi_set_element/get/has and the property names of a typed array reach its buffer (an
    # integer-indexed exotic object), not ordinary properties.
    expected = node_eval(
        f"const r = require({addon_path('buffers')!r}).elementAccess();"
        "console.log(JSON.stringify(r.map(v => typeof v === 'bigint' ? String(v) : v === undefined ? null : v)))"
    )
    got = load("buffers").elementAccess()
    assert got[6] == BigInt(-5)
    assert [*got[:6], str(int(got[6]))] == expected
    assert expected[:2] == [4294967295, 4294967295] and expected[4] == ["0", "1", "2"]
