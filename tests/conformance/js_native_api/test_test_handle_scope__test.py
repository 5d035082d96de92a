"""js-native-api/test_handle_scope/test.js: open/close/escape handle scopes from an addon."""

from __future__ import annotations

import pytest

from napi_python import JSRangeError, js


def test_handle_scope(node_addon):
    addon = node_addon("js-native-api", "test_handle_scope")

    addon.NewScope()

    # assert.ok(testHandleScope.NewScopeEscape() instanceof Object)
    escaped = addon.NewScopeEscape()
    assert js.typeof(escaped) == "object"
    assert js.instanceof(escaped, js.get(js.get_prototype(js.object(addon)), "constructor"))

    addon.NewScopeEscapeTwice()

    def throw_range_error():
        raise JSRangeError("")

    with pytest.raises(JSRangeError):
        addon.NewScopeWithException(throw_range_error)
