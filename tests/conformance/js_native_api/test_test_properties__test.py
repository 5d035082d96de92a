"""js-native-api/test_properties/test.js: napi_define_properties with values, accessors,
attributes and symbol/name keys, on the exports object. Writes from Python are strict, as the
JS file's are: a refused write raises JSTypeError with V8's message.
"""

from __future__ import annotations

import pytest

import napi_python
from napi_python import JSSymbol, JSTypeError, js

READONLY_ERROR_RE = r"^Cannot assign to read only property '.*' of object '#<Object>'$"
GETTER_ONLY_ERROR_RE = r"^Cannot set property .* of #<Object> which has only a getter$"


def assert_error(exc, message_re):
    """/^TypeError: <message_re>$/ against the thrown error."""
    import re

    assert exc.name == "TypeError"
    assert re.search(message_re, exc.message), exc.message


def test_define_properties(node_addon):
    addon = node_addon("js-native-api", "test_properties")
    t = napi_python.addon_info(addon).exports

    assert js.get(t, "echo")("hello") == "hello"

    js.set(t, "readwriteValue", 1)
    assert js.get(t, "readwriteValue") == 1
    js.set(t, "readwriteValue", 2)
    assert js.get(t, "readwriteValue") == 2

    with pytest.raises(JSTypeError) as info:
        js.set(t, "readonlyValue", 3)
    assert_error(info.value, READONLY_ERROR_RE)

    assert js.get(t, "hiddenValue")

    # for (const name in test_object): enumerable string keys, own and inherited.
    names = []
    obj = t
    while obj is not None:
        names += [
            k
            for k, d in js.own_property_descriptors(obj).items()
            if isinstance(k, str) and d["enumerable"] and k not in names
        ]
        obj = js.get_prototype(obj)
    assert "echo" in names
    assert "readwriteValue" in names
    assert "readonlyValue" in names
    assert "hiddenValue" not in names
    assert "NameKeyValue" in names
    assert "readwriteAccessor1" not in names
    assert "readwriteAccessor2" not in names
    assert "readonlyAccessor1" not in names
    assert "readonlyAccessor2" not in names

    # Object.getOwnPropertySymbols(test_object)
    symbols = [k for k in js.keys(t) if isinstance(k, JSSymbol)]
    assert symbols[0].description == "NameKeySymbol"  # 'Symbol(NameKeySymbol)'
    assert symbols[1].description in (None, "")  # 'Symbol()'
    assert js.strict_equals(symbols[2], js.symbol_for(addon, "NameKeySymbolFor"))

    # The napi_writable attribute is ignored for accessors.
    descriptors = js.own_property_descriptors(t)
    rw1 = descriptors["readwriteAccessor1"]
    ro1 = descriptors["readonlyAccessor1"]
    assert rw1.get("get") is not None
    assert rw1.get("set") is not None
    assert rw1.get("value") is None
    assert ro1.get("get") is not None
    assert ro1.get("set") is None
    assert ro1.get("value") is None

    js.set(t, "readwriteAccessor1", 1)
    assert js.get(t, "readwriteAccessor1") == 1
    assert js.get(t, "readonlyAccessor1") == 1
    with pytest.raises(JSTypeError) as info:
        js.set(t, "readonlyAccessor1", 3)
    assert_error(info.value, GETTER_ONLY_ERROR_RE)
    js.set(t, "readwriteAccessor2", 2)
    assert js.get(t, "readwriteAccessor2") == 2
    assert js.get(t, "readonlyAccessor2") == 2
    with pytest.raises(JSTypeError) as info:
        js.set(t, "readonlyAccessor2", 3)
    assert_error(info.value, GETTER_ONLY_ERROR_RE)

    has_named_property = js.get(t, "hasNamedProperty")
    assert has_named_property(t, "echo") is True
    assert has_named_property(t, "hiddenValue") is True
    assert has_named_property(t, "doesnotexist") is False
