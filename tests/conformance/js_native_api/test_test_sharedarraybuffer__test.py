"""js-native-api/test_sharedarraybuffer/test.js (Node 24): node_api_is_sharedarraybuffer,
node_api_create_sharedarraybuffer, napi_get_arraybuffer_info and the data pointer of a
SharedArrayBuffer."""

from napi_python import js

from ..helpers import throws


def new_sab(addon, n):
    return js.new(js.get(js.global_this(addon), "SharedArrayBuffer"), n)


def test_sharedarraybuffer(node_addon):
    addon = node_addon("js-native-api", "test_sharedarraybuffer")
    g = js.global_this(addon)
    sab, ab = new_sab(addon, 16), js.new(js.get(g, "ArrayBuffer"), 16)
    for value, expected in [
        (sab, True),
        (ab, False),
        (js.object(addon), False),
        (js.array(addon), False),
        (js.null, False),
        (js.undefined, False),
    ]:
        assert addon.TestIsSharedArrayBuffer(value) is expected

    made = addon.TestCreateSharedArrayBuffer(16)
    assert js.instanceof(made, js.get(g, "SharedArrayBuffer"))
    assert js.get(made, "byteLength") == 16

    assert addon.TestGetSharedArrayBufferInfo(new_sab(addon, 32)) == 32

    sab = new_sab(addon, 8)
    assert addon.TestSharedArrayBufferData(sab) is True
    view = js.new(js.get(g, "Uint8Array"), sab)
    assert [js.get(view, i) for i in range(8)] == [i % 256 for i in range(8)]

    assert addon.TestSharedArrayBufferData(new_sab(addon, 16)) is True

    empty = addon.TestCreateSharedArrayBuffer(0)
    assert js.instanceof(empty, js.get(g, "SharedArrayBuffer"))
    assert js.get(empty, "byteLength") == 0

    throws(lambda: addon.TestGetSharedArrayBufferInfo(js.object(addon)), name="Error", message="Invalid argument")
