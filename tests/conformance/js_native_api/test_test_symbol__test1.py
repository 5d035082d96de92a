"""js-native-api/test_symbol/test1.js: napi_create_symbol descriptions; symbols as keys."""

from __future__ import annotations

from napi_python import js


def test_symbol_keys(node_addon):
    t = node_addon("js-native-api", "test_symbol")
    sym = t.New("test")
    assert sym.description == "test"  # sym.toString() === 'Symbol(test)'

    my_obj = js.object(t)
    foo_sym = t.New("foo")
    other_sym = t.New("bar")
    js.set(my_obj, "foo", "bar")
    js.set(my_obj, foo_sym, "baz")
    js.set(my_obj, other_sym, "bing")
    assert js.get(my_obj, "foo") == "bar"
    assert js.get(my_obj, foo_sym) == "baz"
    assert js.get(my_obj, other_sym) == "bing"
