"""js-native-api/6_object_wrap/test.js"""

from napi_python import js

from ..helpers import throws

GETTER_ONLY = r"^TypeError: Cannot set property .* of #<.*> which has only a getter$"


def test_prototype_descriptors(node_addon):
    addon = node_addon("js-native-api", "6_object_wrap")
    descriptors = js.own_property_descriptors(addon.MyObject.prototype)
    value = descriptors["value"]
    readonly = descriptors["valueReadonly"]
    plus_one = descriptors["plusOne"]

    assert js.typeof(value.get("get")) == "function"
    assert js.typeof(value.get("set")) == "function"
    assert value.get("value") is None
    assert value["enumerable"] is False
    assert value["configurable"] is False
    assert js.typeof(readonly.get("get")) == "function"
    assert readonly.get("set") is None
    assert readonly.get("value") is None
    assert readonly["enumerable"] is False
    assert readonly["configurable"] is False

    assert plus_one.get("get") is None
    assert plus_one.get("set") is None
    assert js.typeof(plus_one.get("value")) == "function"
    assert plus_one["enumerable"] is False
    assert plus_one["configurable"] is False


def test_wrapped_object(node_addon):
    addon = node_addon("js-native-api", "6_object_wrap")
    obj = js.new(addon.MyObject, 9)
    assert obj.value == 9
    obj.value = 10
    assert obj.value == 10
    assert obj.valueReadonly == 10
    # assert.throws(() => { obj.valueReadonly = 14; }, ...): test_set_getter_only below.
    assert obj.plusOne() == 11
    assert obj.plusOne() == 12
    assert obj.plusOne() == 13

    assert obj.multiply().value == 13
    assert obj.multiply(10).value == 130

    newobj = obj.multiply(-1)
    assert newobj.value == -13
    assert newobj.valueReadonly == -13
    assert not js.strict_equals(obj, newobj)


def test_set_getter_only(node_addon):
    addon = node_addon("js-native-api", "6_object_wrap")
    obj = js.new(addon.MyObject, 9)
    obj.value = 10

    def assign():
        obj.valueReadonly = 14

    throws(assign, GETTER_ONLY)
