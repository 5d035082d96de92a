"""js-native-api/test_reference_double_free/test_wrap.js: napi_remove_wrap followed by
napi_delete_reference must not crash. No assertions in the JS file: it passes when nothing
crashes."""

from __future__ import annotations

import napi_python
from napi_python import js


def test_remove_wrap_then_delete_reference(node_addon):
    addon = node_addon("js-native-api", "test_reference_double_free")
    addon.deleteImmediately(js.object(addon))
    js.gc(addon)
    napi_python.close(addon)
