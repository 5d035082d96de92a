"""js-native-api/test_symbol/test3.js: every napi_create_symbol makes a distinct symbol."""

from __future__ import annotations

from napi_python import js


def test_symbols_are_unique(node_addon):
    t = node_addon("js-native-api", "test_symbol")
    assert not js.strict_equals(t.New(), t.New())
    assert not js.strict_equals(t.New("foo"), t.New("foo"))
    assert not js.strict_equals(t.New("foo"), t.New("bar"))

    foo1 = t.New("foo")
    foo2 = t.New("foo")
    obj = js.object(t, {foo1: 1, foo2: 2})
    assert js.get(obj, foo1) == 1
    assert js.get(obj, foo2) == 2
