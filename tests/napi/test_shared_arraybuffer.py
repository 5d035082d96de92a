"""SharedArrayBuffers through the experimental Node-API functions (node_api_create_sharedarraybuffer,
node_api_create_external_sharedarraybuffer, node_api_is_sharedarraybuffer), with the behaviour
the Node-API documentation and Node's own test_sharedarraybuffer give: `new SharedArrayBuffer(n)`
is made here with `js.alloc(addon, n, "SharedArrayBuffer")`."""

from __future__ import annotations

import gc

import pytest

from napi_python import JSError, js


def test_recognised_and_told_apart_from_array_buffers(load):
    s = load("shared_arraybuffer")
    sab = js.alloc(s, 16, "SharedArrayBuffer")
    ab = js.alloc(s, 16, "ArrayBuffer")
    assert sab.js_type == "SharedArrayBuffer"
    assert s.isShared(sab) is True
    for other in (ab, {}, [], None, js.null):
        assert s.isShared(other) is False
    # V8's IsArrayBuffer is false for a SharedArrayBuffer.
    assert s.isArrayBuffer(sab) is False and s.isArrayBuffer(ab) is True


@pytest.mark.parametrize("n", [16, 0])
def test_created_with_its_length_and_memory(load, n):
    s = load("shared_arraybuffer")
    sab = s.create(n)
    assert sab.js_type == "SharedArrayBuffer" and sab.shared
    assert js.get(sab, "byteLength") == n
    assert s.byteLength(sab) == n
    assert bytes(sab) == bytes(i % 256 for i in range(n))
    assert s.isShared(sab)


def test_info_and_writes_are_shared_with_python(load):
    s = load("shared_arraybuffer")
    sab = js.alloc(s, 32, "SharedArrayBuffer")
    assert s.byteLength(sab) == 32
    memoryview(sab)[3] = 42
    assert js.get(sab, "byteLength") == 32
    with pytest.raises(JSError, match="should be a SharedArrayBuffer"):
        s.byteLength(js.alloc(s, 16, "ArrayBuffer"))
    with pytest.raises(JSError, match="should be a SharedArrayBuffer"):
        s.byteLength({})


def test_external_memory_is_finalized_once_without_an_env(load):
    s = load("shared_arraybuffer")
    sab = s.external(8, 5)
    assert sab.js_type == "SharedArrayBuffer" and bytes(sab) == b"\x07" * 8
    assert s.finalized() == [0, 0]
    del sab
    gc.collect()
    js.gc(s)
    assert s.finalized() == [1, 5]
    js.gc(s)
    assert s.finalized() == [1, 5]


def test_misuse_gets_nodes_statuses(load):
    s = load("shared_arraybuffer")
    # napi_create_typedarray over it: napi_ok, as node 24 (node 20 answered napi_invalid_arg;
    # Node 24's own test_typedarray/test_sharedarraybuffer.js checks it); napi_detach_arraybuffer:
    # napi_arraybuffer_expected (19); external with NULL data but a length: napi_invalid_arg
    # (node 24 itself ends with a V8 fatal error there); a NULL result: napi_invalid_arg.
    assert s.misuse(js.alloc(s, 8, "SharedArrayBuffer")) == [0, 19, 1, 1]
    assert s.finalized() == [0, 0]


def test_sab_keeps_its_kind_across_the_boundary(load):
    s = load("shared_arraybuffer")
    sab = s.create(4)
    other = js.get(js.object(s, {"x": sab}), "x")
    assert other.js_type == "SharedArrayBuffer" and s.isShared(other)
    # Python-made ones become SharedArrayBuffers in the host too.
    assert s.isShared(js.typedarray("SharedArrayBuffer", b"abcd"))
