"""js-native-api/test_general/test.js (partial)

`class BaseClass {}` / `class ExtendedClass extends BaseClass {}` are ported as host objects
with prototype chains (js.object + js.set_prototype). Node 20's file expects
`testGetVersion() === 9`: the host reports Node-API 10 by design, as Node
24's file expects, so the driver asserts 10. Node 24's file adds node_api_set_prototype.
"""

import math

from napi_python import js

from ..helpers import gc_until, throws


def test_general(node_addon):
    test_general = node_addon("js-native-api", "test_general")
    val1, val2, val3 = "1", 1, 1

    base_proto = js.object(test_general)
    extended_proto = js.object(test_general)
    js.set_prototype(extended_proto, base_proto)
    base_object = js.object(test_general)
    js.set_prototype(base_object, base_proto)
    extended_object = js.object(test_general)
    js.set_prototype(extended_object, extended_proto)

    assert test_general.testStrictEquals(val1, val1)
    assert test_general.testStrictEquals(val1, val2) is False
    assert test_general.testStrictEquals(val2, val3)

    if node_addon.suite.major >= 24:
        # Node 24's addition: node_api_set_prototype.
        null_proto_object = js.object(test_general)
        js.set_prototype(null_proto_object, js.null)
        object_prototype = js.get(js.get(js.global_this(test_general), "Object"), "prototype")
        test_general.testSetPrototype(null_proto_object, object_prototype)
        assert js.strict_equals(js.get_prototype(null_proto_object), object_prototype)

    assert js.strict_equals(test_general.testGetPrototype(base_object), js.get_prototype(base_object))
    assert js.strict_equals(test_general.testGetPrototype(extended_object), js.get_prototype(extended_object))
    assert not js.strict_equals(
        test_general.testGetPrototype(base_object), test_general.testGetPrototype(extended_object)
    )

    assert test_general.testGetVersion() == 10

    for value, expected in [
        (123, "number"),
        ("test string", "string"),
        (lambda: None, "function"),
        (js.object(test_general), "object"),
        (True, "boolean"),
        (js.undefined, "undefined"),
        (js.symbol(test_general), "symbol"),
    ]:
        assert test_general.testNapiTypeof(value) == expected
    assert test_general.testNapiTypeof(js.null) == "null"

    x = js.object(test_general)
    test_general.wrap(x)
    throws(lambda: test_general.wrap(x), name="Error", message="Invalid argument")
    test_general.removeWrap(x)

    y = js.object(test_general)
    test_general.wrap(y)
    test_general.removeWrap(y)
    test_general.wrap(y)
    test_general.removeWrap(y)

    adjusted_value = test_general.testAdjustExternalMemory()
    assert isinstance(adjusted_value, (int, float)) and not isinstance(adjusted_value, bool)
    assert not math.isnan(adjusted_value) and adjusted_value > 0


def test_general_gc(node_addon):
    test_general = node_addon("js-native-api", "test_general")
    # Collecting an object with a wrapped native item calls the finalize callback.
    assert test_general.derefItemWasCalled() is False

    def scope():
        test_general.wrap({})

    scope()
    gc_until(
        test_general,
        lambda: test_general.derefItemWasCalled(),
        "deref_item() was called upon garbage collecting a wrapped object.",
    )

    # Removing a wrap and collecting does not fire the finalize callback.
    z = js.object(test_general)
    test_general.testFinalizeWrap(z)
    test_general.removeWrap(z)
    z = None
    gc_until(
        test_general,
        lambda: not test_general.finalizeWasCalled(),
        "finalize callback was not called upon garbage collection.",
    )
