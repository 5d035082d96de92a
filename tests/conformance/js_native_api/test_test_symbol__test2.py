"""js-native-api/test_symbol/test2.js: symbol keys are not listed by Object.keys or
getOwnPropertyNames, only by getOwnPropertySymbols."""

from __future__ import annotations

from napi_python import JSSymbol, js


def test_symbol_keys_listing(node_addon):
    t = node_addon("js-native-api", "test_symbol")
    foo_sym = t.New("foo")
    assert foo_sym.description == "foo"  # fooSym.toString() === 'Symbol(foo)'

    my_obj = js.object(t)
    js.set(my_obj, "foo", "bar")
    js.set(my_obj, foo_sym, "baz")

    descriptors = js.own_property_descriptors(my_obj)
    # Object.keys: own enumerable string keys.
    assert [k for k, d in descriptors.items() if isinstance(k, str) and d["enumerable"]] == ["foo"]
    # Object.getOwnPropertyNames: own string keys.
    assert [k for k in js.keys(my_obj) if isinstance(k, str)] == ["foo"]
    # Object.getOwnPropertySymbols.
    assert [k for k in js.keys(my_obj) if isinstance(k, JSSymbol)] == [foo_sym]
