"""js-native-api/test_object/test.js: property get/set/has/delete, the prototype chain,
napi_has_own_property, property-name listing with key filters, wrap/unwrap, type tags,
seal/freeze.

Objects the JS file writes as literals and then hands to the addon to mutate are made in the
host (`js.object`), so the mutation is visible. Writes from Python are strict, as the JS file's
are: a refused write or delete raises JSTypeError with V8's message.
"""

from __future__ import annotations

import pytest

from napi_python import JSError, JSTypeError, js


def object_prototype(addon):
    return js.get_prototype(js.object(addon))


def own_enumerable(obj) -> dict:
    """The own enumerable properties of a host object, for assert.deepStrictEqual."""
    return {k: d["value"] for k, d in js.own_property_descriptors(obj).items() if d["enumerable"]}


def js_error_matches(exc: JSError, name: str, message: str) -> None:
    assert exc.name == name, exc.name
    assert exc.message == message, exc.message


def test_get_has_new(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = {
        "hello": "world",
        "array": [1, 94, "str", 12.321, {"test": "obj in arr"}],
        "newObject": {"test": "obj in obj"},
    }
    assert t.Get(obj, "hello") == "world"
    assert t.GetNamed(obj, "hello") == "world"
    assert t.Get(obj, "array") == [1, 94, "str", 12.321, {"test": "obj in arr"}]
    assert t.Get(obj, "newObject") == {"test": "obj in obj"}

    assert t.Has(obj, "hello")
    assert t.HasNamed(obj, "hello")
    assert t.Has(obj, "array")
    assert t.Has(obj, "newObject")

    new_object = t.New()
    assert t.Has(new_object, "test_number")
    assert new_object["test_number"] == 987654321
    assert new_object["test_string"] == "test string"


def test_get_walks_prototype_chain(node_addon):
    t = node_addon("js-native-api", "test_object")
    proto = js.object(t, bar=44, baz=45)
    obj = js.object(t, foo=42, bar=43)
    js.set_prototype(obj, proto)

    assert t.Get(obj, "foo") == 42
    assert t.Get(obj, "bar") == 43
    assert t.Get(obj, "baz") == 45
    assert js.strict_equals(t.Get(obj, "toString"), js.get(object_prototype(t), "toString"))


def test_has_own_rejects_non_names(node_addon):
    t = node_addon("js-native-api", "test_object")
    for value in [True, False, js.null, None, js.object(t), js.array(t), 0, 1, lambda: None]:
        with pytest.raises(JSError) as info:
            t.HasOwn(js.object(t), value)
        js_error_matches(info.value, "Error", "A string or symbol was expected")


def test_has_own_does_not_walk_prototype_chain(node_addon):
    t = node_addon("js-native-api", "test_object")
    symbol1 = js.symbol(t)
    symbol2 = js.symbol(t)
    proto = js.object(t, {"bar": 45, "baz": 46, symbol2: 47})
    obj = js.object(t, {"foo": 42, "bar": 43, symbol1: 44})
    js.set_prototype(obj, proto)

    assert t.HasOwn(obj, "foo") is True
    assert t.HasOwn(obj, "bar") is True
    assert t.HasOwn(obj, symbol1) is True
    assert t.HasOwn(obj, "baz") is False
    assert t.HasOwn(obj, "toString") is False
    assert t.HasOwn(obj, symbol2) is False


def test_inflate_and_symbol_keys(node_addon):
    t = node_addon("js-native-api", "test_object")
    cube = js.object(t, x=10, y=10, z=10)
    # Inflate returns the object it was given, mutated.
    assert own_enumerable(t.Inflate(cube)) == {"x": 11, "y": 11, "z": 11}
    assert own_enumerable(t.Inflate(cube)) == {"x": 12, "y": 12, "z": 12}
    assert own_enumerable(t.Inflate(cube)) == {"x": 13, "y": 13, "z": 13}
    js.set(cube, "t", 13)
    assert own_enumerable(t.Inflate(cube)) == {"x": 14, "y": 14, "z": 14, "t": 14}

    sym1 = js.symbol(t, "1")
    sym2 = js.symbol(t, "2")
    sym3 = js.symbol(t, "3")
    sym4 = js.symbol(t, "4")
    object2 = js.object(t, {sym1: "@@iterator", sym2: sym3})

    assert t.Has(object2, sym1)
    assert t.Has(object2, sym2)
    assert t.Get(object2, sym1) == "@@iterator"
    assert js.strict_equals(t.Get(object2, sym2), sym3)
    assert t.Set(object2, "string", "value")
    assert t.SetNamed(object2, "named_string", "value")
    assert t.Set(object2, sym4, 123)
    assert t.Has(object2, "string")
    assert t.HasNamed(object2, "named_string")
    assert t.Has(object2, sym4)
    assert t.Get(object2, "string") == "value"
    assert t.Get(object2, sym4) == 123


def test_wrap_unwrap(node_addon):
    t = node_addon("js-native-api", "test_object")
    wrapper = js.object(t)
    t.Wrap(wrapper)
    assert t.Unwrap(wrapper)

    # Wrapping does not break the prototype chain.
    wrapper = js.object(t)
    proto_a = js.object(t, protoA=True)
    js.set_prototype(wrapper, proto_a)
    t.Wrap(wrapper)
    assert t.Unwrap(wrapper)
    assert js.get(wrapper, "protoA")

    # Unwrap still works after inserting into the prototype chain.
    wrapper = js.object(t)
    proto_a = js.object(t, protoA=True)
    js.set_prototype(wrapper, proto_a)
    t.Wrap(wrapper)
    proto_b = js.object(t, protoB=True)
    js.set_prototype(proto_b, js.get_prototype(wrapper))
    js.set_prototype(wrapper, proto_b)
    assert t.Unwrap(wrapper)
    assert js.get(wrapper, "protoA")
    assert js.get(wrapper, "protoB")


def test_type_tags(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj1 = t.TypeTaggedInstance(0)
    obj2 = t.TypeTaggedInstance(1)
    obj3 = t.TypeTaggedInstance(2)
    obj4 = t.TypeTaggedInstance(3)
    external = t.TypeTaggedExternal(2)
    plain_external = t.PlainExternal()

    with pytest.raises(JSError) as info:
        t.TypeTaggedInstance(39)
    js_error_matches(info.value, "RangeError", "Invalid type index")
    with pytest.raises(JSError) as info:
        t.TypeTaggedExternal(39)
    js_error_matches(info.value, "RangeError", "Invalid type index")

    assert t.CheckTypeTag(0, obj1) is True
    assert t.CheckTypeTag(1, obj2) is True
    assert t.CheckTypeTag(2, obj3) is True
    assert t.CheckTypeTag(3, obj4) is True
    assert t.CheckTypeTag(2, external) is True

    assert t.CheckTypeTag(0, obj2) is False
    assert t.CheckTypeTag(1, obj1) is False
    assert t.CheckTypeTag(0, obj3) is False
    assert t.CheckTypeTag(1, obj4) is False
    assert t.CheckTypeTag(2, obj4) is False
    assert t.CheckTypeTag(3, obj3) is False
    assert t.CheckTypeTag(4, obj3) is False
    assert t.CheckTypeTag(0, external) is False
    assert t.CheckTypeTag(1, external) is False
    assert t.CheckTypeTag(3, external) is False
    assert t.CheckTypeTag(4, external) is False

    assert t.CheckTypeTag(0, js.object(t)) is False
    assert t.CheckTypeTag(1, js.object(t)) is False
    for i in range(5):
        assert t.CheckTypeTag(i, plain_external) is False


def test_delete(node_addon):
    t = node_addon("js-native-api", "test_object")
    sym = js.symbol(t)
    obj = js.object(t, {"foo": "bar", sym: "baz"})
    assert ("foo" in obj) is True
    assert (sym in obj) is True
    assert ("does_not_exist" in obj) is False
    assert t.Delete(obj, "foo") is True
    assert ("foo" in obj) is False
    assert (sym in obj) is True
    assert ("does_not_exist" in obj) is False
    assert t.Delete(obj, sym) is True
    assert ("foo" in obj) is False
    assert (sym in obj) is False
    assert ("does_not_exist" in obj) is False

    # Non-configurable properties are not deleted.
    obj = js.object(t)
    js.define_property(obj, "foo", configurable=False)
    assert t.Delete(obj, "foo") is False
    assert ("foo" in obj) is True

    # Prototype properties are not deleted.
    proto = js.object(t, foo="baz")
    obj = js.object(t, foo="bar")
    js.set_prototype(obj, proto)
    assert js.get(obj, "foo") == "bar"
    assert t.Delete(obj, "foo") is True
    assert js.get(obj, "foo") == "baz"
    assert t.Delete(obj, "foo") is True
    assert js.get(obj, "foo") == "baz"


def test_property_names_with_filters(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = js.object(t)
    js.set_prototype(obj, js.object(t, inherited=1))
    foo_symbol = js.symbol(t, "foo")
    js.set(obj, "normal", 2)
    js.set(obj, foo_symbol, 3)
    js.define_property(obj, "unenumerable", value=4, enumerable=False, writable=True, configurable=True)
    js.define_property(obj, "writable", value=4, enumerable=True, writable=True, configurable=False)
    js.define_property(obj, "configurable", value=4, enumerable=True, writable=False, configurable=True)
    js.set(obj, 5, 5)

    assert t.GetPropertyNames(obj) == ["5", "normal", "writable", "configurable", "inherited"]
    assert t.GetSymbolNames(obj) == [foo_symbol]
    assert t.GetEnumerableWritableNames(obj) == ["5", "normal", "writable", foo_symbol, "inherited"]
    assert t.GetOwnWritableNames(obj) == ["5", "normal", "unenumerable", "writable", foo_symbol]
    assert t.GetEnumerableConfigurableNames(obj) == ["5", "normal", "configurable", foo_symbol, "inherited"]
    assert t.GetOwnConfigurableNames(obj) == ["5", "normal", "unenumerable", "configurable", foo_symbol]


def test_null_arguments_to_property_functions(node_addon):
    t = node_addon("js-native-api", "test_object")
    assert t.TestSetProperty() == {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "keyIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
    }
    assert t.TestHasProperty() == {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "keyIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
    }
    assert t.TestGetProperty() == {
        "envIsNull": "Invalid argument",
        "objectIsNull": "Invalid argument",
        "keyIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
    }


def is_sealed(obj) -> bool:
    """Object.isSealed: every own property non-configurable, and no property can be added
    (probed: a strict write of a fresh key must raise)."""
    if any(d["configurable"] for d in js.own_property_descriptors(obj).values()):
        return False
    try:
        js.set(obj, "__napi_python_probe__", 1)
    except JSTypeError:
        return True
    del obj["__napi_python_probe__"]
    return False


def is_frozen(obj) -> bool:
    """Object.isFrozen: sealed, and every own data property read-only."""
    return is_sealed(obj) and all(d.get("writable", False) is False for d in js.own_property_descriptors(obj).values())


def test_seal(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = js.object(t, x="a", y="b", z="c")
    t.TestSeal(obj)
    assert is_sealed(obj) is True

    with pytest.raises(JSTypeError, match=r"Cannot add property w, object is not extensible"):
        js.set(obj, "w", "d")
    # (delete obj.x: test_seal_delete)
    # Sealed objects allow updating existing properties, so this does not throw.
    js.set(obj, "x", "d")


def test_freeze(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = js.object(t, x=10, y=10, z=10)
    t.TestFreeze(obj)
    assert is_frozen(obj) is True

    with pytest.raises(JSTypeError, match=r"Cannot assign to read only property 'x' of object '#<Object>"):
        js.set(obj, "x", 10)
    with pytest.raises(JSTypeError, match=r"Cannot add property w, object is not extensible"):
        js.set(obj, "w", 15)
    # (delete obj.x: test_freeze_delete)


def test_seal_delete(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = js.object(t, x="a", y="b", z="c")
    t.TestSeal(obj)
    with pytest.raises(JSTypeError, match=r"Cannot delete property 'x' of #<Object>"):
        del obj["x"]


def test_freeze_delete(node_addon):
    t = node_addon("js-native-api", "test_object")
    obj = js.object(t, x=10, y=10, z=10)
    t.TestFreeze(obj)
    with pytest.raises(JSTypeError, match=r"Cannot delete property 'x' of #<Object>"):
        del obj["x"]


def _prop(obj, key):
    """obj[key] of an object that crossed by value (a dict) or by reference (a JSObject)."""
    return obj[key] if isinstance(obj, dict) else js.get(obj, key)


@pytest.mark.since_node(24)
def test_create_object_with_properties(node_addon):
    # Node 24's addition: node_api_create_object_with_properties.
    test_object = node_addon("js-native-api", "test_object")
    with_properties = test_object.TestCreateObjectWithProperties()
    assert js.typeof(with_properties) == "object"
    assert (_prop(with_properties, "name"), _prop(with_properties, "age"), _prop(with_properties, "active")) == (
        "Foo",
        42,
        True,
    )

    empty = test_object.TestCreateObjectWithPropertiesEmpty()
    assert js.typeof(empty) == "object"
    assert len(empty if isinstance(empty, dict) else js.keys(empty)) == 0

    custom = test_object.TestCreateObjectWithCustomPrototype()
    assert js.typeof(custom) == "object"
    assert js.keys(custom) == ["value"]
    assert js.get(custom, "value") == 42
    assert js.typeof(js.get(custom, "test")) == "function"
