"""js-native-api/test_typedarray/test.js: napi_get_typedarray_info/create_typedarray (every
kind, offset and length checks), external array buffers, detaching.

`new ArrayBuffer(n)` and `new Int8Array(n)` are made in the host with `js.alloc` (shared
memory): those JSBuffers are host objects, so identity (`theArray.buffer === buffer`) and
detaching (observed afterwards through `js.get`) mean what they mean in JS. Templates whose
only role is their type are made in Python (`js.typedarray`).
"""

from __future__ import annotations

import struct

import pytest

from napi_python import JSRangeError, js

ARRAY_TYPES = [
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
]
BYTES_PER_ELEMENT = {
    "Int8Array": 1,
    "Uint8Array": 1,
    "Uint8ClampedArray": 1,
    "Int16Array": 2,
    "Uint16Array": 2,
    "Int32Array": 4,
    "Uint32Array": 4,
    "Float16Array": 2,
    "Float32Array": 4,
    "Float64Array": 8,
    "BigInt64Array": 8,
    "BigUint64Array": 8,
}


def array_types(node_addon) -> list[str]:
    """The kinds the suite's test.js lists: Node 24's adds Float16Array after Uint32Array."""
    if node_addon.suite.major < 24:
        return ARRAY_TYPES
    return [*ARRAY_TYPES[:7], "Float16Array", *ARRAY_TYPES[7:]]


def test_multiply(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    byte_array = js.typedarray("Uint8Array", bytes([0, 1, 2]))
    assert len(memoryview(byte_array)) == 3

    double_array = js.typedarray("Float64Array", struct.pack("=3d", 0.0, 1.1, 2.2))
    assert len(memoryview(double_array)) == 3

    byte_result = t.Multiply(byte_array, 3)
    assert byte_result.js_type == "Uint8Array"
    assert list(memoryview(byte_result)) == [0, 3, 6]

    double_result = t.Multiply(double_array, -3)
    assert double_result.js_type == "Float64Array"
    values = list(memoryview(double_result))
    assert len(values) == 3
    assert values[0] == 0 and str(values[0]) == "-0.0"  # strictEqual(doubleResult[0], -0)
    assert round(10 * values[1]) / 10 == -3.3
    assert round(10 * values[2]) / 10 == -6.6


def test_external(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    external_result = t.External()
    assert external_result.js_type == "Int8Array"
    assert list(memoryview(external_result)) == [0, 1, 2]


def test_create_typedarray_of_every_kind(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    buffer = js.alloc(t, 128, "ArrayBuffer")
    for kind in array_types(node_addon):
        template = js.typedarray(kind, bytes(128))
        the_array = t.CreateTypedArray(template, buffer)
        assert the_array.js_type == kind
        assert the_array is not template
        assert js.strict_equals(js.get(the_array, "buffer"), buffer)


def test_create_typedarray_out_of_range(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    buffer = js.arraybuffer(bytes(128))
    for kind in array_types(node_addon):
        template = js.typedarray(kind, bytes(128))
        with pytest.raises(JSRangeError):
            t.CreateTypedArray(template, buffer, 0, 136)

    for kind in array_types(node_addon)[3:]:
        template = js.typedarray(kind, bytes(128))
        with pytest.raises(JSRangeError):
            t.CreateTypedArray(template, buffer, BYTES_PER_ELEMENT[kind] + 1, 1)


def test_detach(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    for kind in array_types(node_addon):
        buffer = js.alloc(t, 8 * BYTES_PER_ELEMENT[kind], kind)
        assert js.get(buffer, "length") == 8
        assert not t.IsDetached(js.get(buffer, "buffer"))
        t.Detach(buffer)
        assert t.IsDetached(js.get(buffer, "buffer"))
        assert js.get(buffer, "length") == 0

    external_result = t.External()
    buffer = t.External()
    assert external_result.js_type == "Int8Array"
    assert len(memoryview(external_result)) == 3
    assert len(external_result) == 3  # byteLength
    assert not t.IsDetached(js.get(buffer, "buffer"))
    t.Detach(buffer)
    assert t.IsDetached(js.get(buffer, "buffer"))
    assert external_result.js_type == "Int8Array"
    assert js.get(buffer, "length") == 0
    assert js.get(buffer, "byteLength") == 0


def test_fresh_arraybuffer_is_not_detached(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    assert not t.IsDetached(js.arraybuffer(bytes(128)))


def test_null_arraybuffer_is_detached(node_addon):
    t = node_addon("js-native-api", "test_typedarray")
    buffer = t.NullArrayBuffer()
    assert buffer.js_type == "ArrayBuffer"
    assert t.IsDetached(buffer)
