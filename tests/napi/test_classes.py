"""Node-API chapter "classes" (object wrap): napi_define_class with a constructor, instance
methods, accessors, static methods and values, a value only on the prototype; napi_wrap,
napi_unwrap and napi_remove_wrap (addon: addons/c/classes.c).

Statuses and descriptors were recorded under node 20.
"""

from __future__ import annotations

import pytest

from napi_python import JSError, JSFunction, JSObject, JSTypeError, js

NAPI_OK = 0
NAPI_INVALID_ARG = 1


def test_counter_is_a_class_that_constructs_when_called(load):
    addon = load("classes")
    Counter = addon.Counter
    assert isinstance(Counter, JSFunction) and js.is_class(Counter)
    assert js.get(Counter, "name") == "Counter"
    c = Counter(10)
    assert isinstance(c, JSObject)
    assert c.increment() == 11
    assert c.increment() == 12
    assert c.value == 12
    assert js.new(Counter, 3).value == 3
    assert js.new(Counter).value == 0  # no argument: initial 0


def test_accessor_setter_changes_the_wrapped_state(load):
    addon = load("classes")
    c = addon.Counter(10)
    c.value = 5
    assert c.value == 5
    assert c.increment() == 6
    js.set(c, "value", 100)
    assert js.get(c, "value") == 100


def test_static_method_constructs_through_new_instance(load):
    addon = load("classes")
    zero = addon.Counter.zero()
    assert zero.value == 0
    assert js.instanceof(zero, addon.Counter)
    assert addon.Counter.staticThisIsClass() is True  # a static's `this` is the class


def test_static_value_lives_on_the_constructor(load):
    addon = load("classes")
    assert addon.Counter.kind == "counter"
    assert js.own_property_descriptors(addon.Counter)["kind"] == {
        "value": "counter",
        "writable": False,
        "enumerable": True,
        "configurable": False,
    }


def test_instance_members_live_on_the_prototype_with_their_attributes(load):
    addon = load("classes")
    Counter = addon.Counter
    proto = js.get(Counter, "prototype")
    descs = js.own_property_descriptors(proto)
    increment = descs["increment"]
    assert (increment["writable"], increment["enumerable"], increment["configurable"]) == (
        True, False, True)  # fmt: skip
    value = descs["value"]
    assert value["get"] is not None and value["set"] is not None
    assert (value["enumerable"], value["configurable"]) == (True, True)
    assert descs["species"] == {
        "value": "counter-proto",
        "writable": False,
        "enumerable": False,
        "configurable": False,
    }
    assert js.strict_equals(js.get(proto, "constructor"), Counter)
    c = Counter(1)
    assert js.strict_equals(js.get_prototype(c), proto)


def test_prototype_only_value_is_inherited_not_owned(load):
    addon = load("classes")
    c = addon.Counter(1)
    assert c.species == "counter-proto"
    assert "species" not in js.own_property_descriptors(c)
    assert js.keys(c) == []  # the wrap adds no visible property


def test_instance_passed_back_is_the_same_native_object(load):
    addon = load("classes")
    c = addon.Counter(7)
    c.increment()
    assert addon.counterValue(c) == 8
    c.value = 40
    assert addon.counterValue(c) == 40
    assert addon.isCounter(c) is True
    assert addon.isCounter(js.object(addon)) is False
    assert js.instanceof(c, addon.Counter)
    assert not js.instanceof(js.object(addon), addon.Counter)


def test_instances_are_independent(load):
    addon = load("classes")
    a, b = addon.Counter(1), addon.Counter(100)
    a.increment()
    assert (a.value, b.value) == (2, 100)
    assert a != b


def test_method_with_a_foreign_this_throws_a_type_error(load):
    # node 20 rejects it before the callback ("Illegal invocation"); the callback itself throws
    # a TypeError too, so either way the caller sees a TypeError.
    addon = load("classes")
    increment = js.get(js.get(addon.Counter, "prototype"), "increment")
    with pytest.raises(JSTypeError):
        increment.call(js.object(addon))


def test_constructor_argument_errors_surface_as_js_errors(load):
    addon = load("classes")
    with pytest.raises(JSError, match="status 6"):
        addon.Counter("x")


def test_wrap_unwrap_remove_wrap_statuses(load):
    # wrap ok, wrap again -> invalid_arg, unwrap ok, remove_wrap ok, unwrap after remove ->
    # invalid_arg, remove_wrap again -> invalid_arg, wrap after remove ok.
    addon = load("classes")
    assert addon.wrapSequence(js.object(addon)) == [0, 1, 0, 0, 1, 1, 0]


def test_unwrap_of_an_unwrapped_object_returns_invalid_arg(load):
    addon = load("classes")
    assert addon.unwrapStatus(js.object(addon)) == NAPI_INVALID_ARG
    assert addon.unwrapStatus(5) == NAPI_INVALID_ARG
    assert addon.unwrapStatus(addon.Counter(1)) == NAPI_OK


def test_wrap_of_a_primitive_or_a_wrapped_instance_returns_invalid_arg(load):
    addon = load("classes")
    assert addon.wrapStatus(5) == NAPI_INVALID_ARG
    assert addon.wrapStatus("s") == NAPI_INVALID_ARG
    assert addon.wrapStatus(addon.Counter(1)) == NAPI_INVALID_ARG


def test_the_objects_properties_come_before_the_proxys_own_attributes(load):
    # Attribute reads on a proxy are resolved natively (JSRef.__getattribute__): dunders and
    # `_napi_` names are the proxy's, every other name the object's (its class's methods bound
    # to the instance, else read from the host).
    addon = load("classes")
    c = addon.Counter(1)
    js.set(c, "_id", "a JS property")
    assert c._id == "a JS property"
    assert isinstance(c._napi_id, int)
    increment = c.increment
    assert increment.__self__ is c and increment() == 2
    assert c.value == 2  # an accessor: read from the host
    with pytest.raises(AttributeError, match="__missing__"):
        c.__missing__
    with pytest.raises(AttributeError):
        c.__dict__  # proxies keep no Python state of their own
    s = js.symbol(addon, "s")
    assert s.description == "s"
    with pytest.raises(AttributeError):
        s.anything  # a symbol has no properties to read
