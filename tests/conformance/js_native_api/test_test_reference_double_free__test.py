"""js-native-api/test_reference_double_free/test.js: napi_delete_reference inside a wrap
finalizer, for a reference deleted before or after the finalizer. No assertions in the JS file:
it passes when nothing crashes (a double free aborts the host)."""

from __future__ import annotations

import napi_python
from napi_python import js


def test_no_double_free(node_addon):
    addon = node_addon("js-native-api", "test_reference_double_free")
    obj = js.new(addon.MyObject, True)
    del obj
    obj = js.new(addon.MyObject, False)
    del obj
    # Node's process exits here, finalizing both objects; collect, then tear down.
    js.gc(addon)
    napi_python.close(addon)
