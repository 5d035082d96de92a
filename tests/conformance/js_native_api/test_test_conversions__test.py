"""js-native-api/test_conversions/test.js

`assert.deepStrictEqual(new Boolean(false), test.toObject(false))` and the like: the result is
an object whose prototype's constructor is `Boolean` (`Number`, `String`, `Object` for a
Symbol) with the primitive as its `valueOf()` and no own enumerable keys.
"""

import math

import pytest

from napi_python import JSObject, JSTypeError, js

from ..helpers import throws

BOOL_EXPECTED = "boolean was expected"
NUMBER_EXPECTED = "number was expected"
STRING_EXPECTED = "string was expected"


@pytest.fixture
def test(node_addon):
    return node_addon("js-native-api", "test_conversions")


@pytest.fixture
def test_sym(test):
    return js.symbol(test, "test")


def test_as_bool(test, test_sym):
    assert test.asBool(False) is False
    assert test.asBool(True) is True
    for value in [js.undefined, js.null, math.nan, 0, "", "0", 1, "1", "true", {}, [], test_sym]:
        throws(lambda value=value: test.asBool(value), BOOL_EXPECTED)


@pytest.mark.parametrize("name", ["asInt32", "asUInt32", "asInt64"])
def test_as_int(test, test_sym, name):
    as_int = getattr(test, name)
    assert as_int(0) == 0
    assert as_int(1) == 1
    assert as_int(1.0) == 1
    assert as_int(1.1) == 1
    assert as_int(1.9) == 1
    assert as_int(0.9) == 0
    assert as_int(999.9) == 999
    assert as_int(math.nan) == 0
    for value in [js.undefined, js.null, False, "", "1", {}, [], test_sym]:
        throws(lambda value=value: as_int(value), NUMBER_EXPECTED)


def test_as_int_negative(test):
    assert test.asInt32(-1) == -1
    assert test.asInt64(-1) == -1
    assert test.asUInt32(-1) == 2**32 - 1


def test_as_double(test, test_sym):
    assert test.asDouble(0) == 0
    assert test.asDouble(1) == 1
    assert test.asDouble(1.0) == 1.0
    assert test.asDouble(1.1) == 1.1
    assert test.asDouble(1.9) == 1.9
    assert test.asDouble(0.9) == 0.9
    assert test.asDouble(999.9) == 999.9
    assert test.asDouble(-1) == -1
    assert math.isnan(test.asDouble(math.nan))
    for value in [js.undefined, js.null, False, "", "1", {}, [], test_sym]:
        throws(lambda value=value: test.asDouble(value), NUMBER_EXPECTED)


def test_as_string(test, test_sym):
    assert test.asString("") == ""
    assert test.asString("test") == "test"
    for value in [js.undefined, js.null, False, 1, 1.1, math.nan, {}, [], test_sym]:
        throws(lambda value=value: test.asString(value), STRING_EXPECTED)


def test_to_bool(test, test_sym):
    for value in [True, 1, -1, "true", "false", {}, [], test_sym]:
        assert test.toBool(value) is True
    for value in [False, js.undefined, js.null, 0, math.nan, ""]:
        assert test.toBool(value) is False


def test_to_number(test, test_sym):
    assert test.toNumber(0) == 0
    assert test.toNumber(1) == 1
    assert test.toNumber(1.1) == 1.1
    assert test.toNumber(-1) == -1
    assert test.toNumber("0") == 0
    assert test.toNumber("1") == 1
    assert test.toNumber("1.1") == 1.1
    assert test.toNumber([]) == 0
    assert test.toNumber(False) == 0
    assert test.toNumber(js.null) == 0
    assert test.toNumber("") == 0
    assert math.isnan(test.toNumber(math.nan))
    assert math.isnan(test.toNumber({}))
    assert math.isnan(test.toNumber(js.undefined))
    with pytest.raises(JSTypeError):
        test.toNumber(test_sym)


def _assert_wrapper(obj, ctor_name, primitive):
    """deepStrictEqual(new <Ctor>(primitive), obj)."""
    assert isinstance(obj, JSObject)
    assert js.typeof(obj) == "object"
    assert js.get_prototype(obj)["constructor"]["name"] == ctor_name
    value = obj.valueOf()
    if isinstance(primitive, float) and math.isnan(primitive):
        assert isinstance(value, float) and math.isnan(value)
    elif isinstance(primitive, JSObject) or js.typeof(primitive) == "symbol":
        assert js.strict_equals(value, primitive)
    else:
        assert value == primitive and type(value) is type(primitive)
    assert [k for k, d in js.own_property_descriptors(obj).items() if d["enumerable"]] == []


def test_to_object(test, test_sym):
    assert test.toObject({}) == {}
    assert test.toObject({"test": 1}) == {"test": 1}
    assert test.toObject([]) == []
    assert test.toObject([1, 2, 3]) == [1, 2, 3]
    _assert_wrapper(test.toObject(False), "Boolean", False)
    _assert_wrapper(test.toObject(True), "Boolean", True)
    _assert_wrapper(test.toObject(""), "String", "")
    _assert_wrapper(test.toObject(0), "Number", 0)
    _assert_wrapper(test.toObject(math.nan), "Number", math.nan)
    # _assert_wrapper(test.toObject(test_sym), "Symbol", test_sym): test_to_object_symbol below.
    assert test.toObject(False) is not False
    assert test.toObject(True) is not True
    assert test.toObject("") != ""
    assert test.toObject(0) != 0
    nan_obj = test.toObject(math.nan)
    assert not (isinstance(nan_obj, float) and math.isnan(nan_obj))


def test_to_object_symbol(test, test_sym):
    _assert_wrapper(test.toObject(test_sym), "Symbol", test_sym)


def test_to_string(test, test_sym):
    assert test.toString("") == ""
    assert test.toString("test") == "test"
    assert test.toString(js.undefined) == "undefined"
    assert test.toString(js.null) == "null"
    assert test.toString(False) == "false"
    assert test.toString(True) == "true"
    assert test.toString(0) == "0"
    assert test.toString(1.1) == "1.1"
    assert test.toString(math.nan) == "NaN"
    assert test.toString({}) == "[object Object]"
    assert test.toString(js.object(test, toString=lambda: "test")) == "test"
    assert test.toString([]) == ""
    assert test.toString([1, 2, 3]) == "1,2,3"
    with pytest.raises(JSTypeError):
        test.toString(test_sym)


@pytest.mark.parametrize(
    "name, expected",
    [
        pytest.param(
            "getValueBool",
            "A boolean was expected",
        ),
        pytest.param(
            "getValueInt32",
            "A number was expected",
        ),
        pytest.param(
            "getValueUint32",
            "A number was expected",
        ),
        pytest.param(
            "getValueInt64",
            "A number was expected",
        ),
        pytest.param(
            "getValueDouble",
            "A number was expected",
        ),
        ("coerceToBool", "napi_ok"),
        ("coerceToObject", "napi_ok"),
        ("coerceToString", "napi_ok"),
    ],
)
def test_null_get_value_and_coerce(test, name, expected):
    assert getattr(test.testNull, name)() == {
        "envIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
        "inputTypeCheck": expected,
    }


@pytest.mark.parametrize("name", ["getValueStringUtf8", "getValueStringLatin1", "getValueStringUtf16"])
def test_null_get_value_string(test, name):
    assert getattr(test.testNull, name)() == {
        "envIsNull": "Invalid argument",
        "valueIsNull": "Invalid argument",
        "wrongTypeIn": "A string was expected",
        "bufAndOutLengthIsNull": "Invalid argument",
    }
