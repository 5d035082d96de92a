"""js-native-api/test_typedarray/test_sharedarraybuffer.js (Node 24; target
test_typedarray_sharedarraybuffer): napi_create_typedarray over a SharedArrayBuffer for every
kind, the buffer it answers, range and alignment RangeErrors, and refusal of non-buffers."""

import pytest

from napi_python import JSRangeError, js

from ..helpers import throws

CASES = [
    ("Int8Array", [-1, 0, 127]),
    ("Uint8Array", [1, 2, 255]),
    ("Uint8ClampedArray", [0, 128, 255]),
    ("Int16Array", [-1, 0, 32767]),
    ("Uint16Array", [1, 2, 65535]),
    ("Int32Array", [-1, 0, 123456789]),
    ("Uint32Array", [1, 2, 4294967295]),
    ("Float16Array", [0.5, -1.5, 42.25]),
    ("Float32Array", [0.5, -1.5, 42.25]),
    ("Float64Array", [0.5, -1.5, 42.25]),
    ("BigInt64Array", [js.bigint(1), js.bigint(-2), js.bigint(123456789)]),
    ("BigUint64Array", [js.bigint(1), js.bigint(2), js.bigint(123456789)]),
]


def _setup(node_addon):
    addon = node_addon("js-native-api", "test_typedarray", "test_typedarray_sharedarraybuffer")
    return addon, js.global_this(addon)


def _buffer(g, kind, buffer_type, length):
    size = js.get(js.get(g, kind), "BYTES_PER_ELEMENT")
    return js.new(js.get(g, buffer_type), size + length * size), size


def _verify(addon, g, kind, buffer, offset, values):
    ctor = js.get(g, kind)
    template = js.new(ctor, buffer, offset, len(values))
    the_array = addon.CreateTypedArray(template, buffer)
    assert js.instanceof(the_array, ctor)
    assert js.strict_equals(js.get(the_array, "buffer"), buffer)
    assert js.strict_equals(addon.GetArrayBuffer(the_array), buffer)
    assert js.get(the_array, "byteOffset") == offset
    assert js.get(the_array, "length") == len(values)
    for i, v in enumerate(values):
        js.set(the_array, i, v)
    again = js.new(ctor, buffer, offset, len(values))
    assert [js.get(again, i) for i in range(len(values))] == [int(v) if kind.startswith("Big") else v for v in values]


def test_array_buffer_still_works(node_addon):
    addon, g = _setup(node_addon)
    buffer, offset = _buffer(g, "Uint8Array", "ArrayBuffer", 3)
    _verify(addon, g, "Uint8Array", buffer, offset, [1, 2, 3])


@pytest.mark.parametrize("kind,values", CASES)
def test_every_kind_over_a_shared_array_buffer(node_addon, kind, values):
    addon, g = _setup(node_addon)
    buffer, offset = _buffer(g, kind, "SharedArrayBuffer", len(values))
    _verify(addon, g, kind, buffer, offset, values)
    template = js.new(js.get(g, kind), buffer, offset, len(values))
    with pytest.raises(JSRangeError):
        addon.CreateTypedArray(template, buffer, len(values) + 1, offset)
    if js.get(js.get(g, kind), "BYTES_PER_ELEMENT") > 1:
        with pytest.raises(JSRangeError):
            addon.CreateTypedArray(template, buffer, 1, offset + 1)


def test_invalid_arguments(node_addon):
    addon, g = _setup(node_addon)
    template = js.new(js.get(g, "Uint8Array"), 1)
    throws(lambda: addon.CreateTypedArray(template, js.object(addon)), name="Error", message="Invalid argument")
    throws(lambda: addon.CreateTypedArray(template, 1), name="Error", message="Invalid argument")
