"""js-native-api/test_constructor/test.js"""

import pytest

import napi_python
from napi_python import js

from ..helpers import for_in_keys, throws

GETTER_ONLY = r"^TypeError: Cannot set property .* of #<.*> which has only a getter$"


def _make(node_addon):
    TestConstructor = napi_python.addon_info(node_addon("js-native-api", "test_constructor")).exports
    return TestConstructor, js.new(TestConstructor)


def test_constructor(node_addon):
    TestConstructor, test_object = _make(node_addon)

    assert test_object.echo("hello") == "hello"

    test_object.readwriteValue = 1
    assert test_object.readwriteValue == 1
    test_object.readwriteValue = 2
    assert test_object.readwriteValue == 2

    # assert.throws(() => { test_object.readonlyValue = 3; }, ...): test_assign_read_only below.

    assert test_object.hiddenValue

    property_names = for_in_keys(test_object)
    assert "echo" in property_names
    assert "readwriteValue" in property_names
    assert "readonlyValue" in property_names
    assert "hiddenValue" not in property_names
    assert "readwriteAccessor1" not in property_names
    assert "readwriteAccessor2" not in property_names
    assert "readonlyAccessor1" not in property_names
    assert "readonlyAccessor2" not in property_names

    test_object.readwriteAccessor1 = 1
    assert test_object.readwriteAccessor1 == 1
    assert test_object.readonlyAccessor1 == 1
    # assert.throws(() => { test_object.readonlyAccessor1 = 3; }, ...): below.
    test_object.readwriteAccessor2 = 2
    assert test_object.readwriteAccessor2 == 2
    assert test_object.readonlyAccessor2 == 2
    # assert.throws(() => { test_object.readonlyAccessor2 = 3; }, ...): below.

    assert TestConstructor.staticReadonlyAccessor1 == 10
    assert js.get(test_object, "staticReadonlyAccessor1") is None

    assert TestConstructor.TestDefineClass() == {
        "envIsNull": "Invalid argument",
        "nameIsNull": "Invalid argument",
        "cbIsNull": "Invalid argument",
        "cbDataIsNull": "napi_ok",
        "propertiesIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
    }


def test_assign_read_only(node_addon):
    _, test_object = _make(node_addon)

    def assign():
        test_object.readonlyValue = 3

    throws(
        assign,
        r"^TypeError: Cannot assign to read only property 'readonlyValue' of object "
        r"'#<MyObject>'$",
    )


@pytest.mark.parametrize("name", ["readonlyAccessor1", "readonlyAccessor2"])
def test_assign_getter_only(node_addon, name):
    _, test_object = _make(node_addon)
    test_object.readwriteAccessor1 = 1
    test_object.readwriteAccessor2 = 2
    throws(lambda: js.set(test_object, name, 3), GETTER_ONLY)
