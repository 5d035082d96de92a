"""js-native-api/test_error/test.js

Error objects are made in the host: `new Error(msg)` is `js.new(Error, msg)` with `Error` reached
as the constructor of an error the addon creates. `class MyError extends Error` is ported as an
object whose prototype chain runs through `Error.prototype` (tsv note). ReferenceError, URIError
and EvalError are reachable only through the global object (`js.global_this(addon)`, proposed).
"""

import math

import pytest

from napi_python import JSObject, js

from ..helpers import throws


@pytest.fixture
def test_error(node_addon):
    return node_addon("js-native-api", "test_error")


def _ctor(value):
    return js.get_prototype(value)["constructor"]


def test_check_error(test_error):
    Error = _ctor(test_error.createError())
    TypeError_ = _ctor(test_error.createTypeError())
    SyntaxError_ = _ctor(test_error.createSyntaxError())
    RangeError_ = _ctor(test_error.createRangeError())
    the_error = js.new(Error, "Some error")
    the_type_error = js.new(TypeError_, "Some type error")
    the_syntax_error = js.new(SyntaxError_, "Some syntax error")
    the_range_error = js.new(RangeError_, "Some type error")
    my_error_proto = js.object(test_error)
    js.set_prototype(my_error_proto, Error.prototype)
    my_error = js.new(Error, "Some MyError")
    js.set_prototype(my_error, my_error_proto)

    assert test_error.checkError(the_error) is True
    assert test_error.checkError(the_type_error) is True
    assert test_error.checkError(the_syntax_error) is True
    assert test_error.checkError(the_range_error) is True
    assert test_error.checkError(my_error) is True
    assert test_error.checkError({}) is False
    assert test_error.checkError("non-object") is False


def test_check_error_other_constructors(test_error):
    g = js.global_this(test_error)
    assert test_error.checkError(js.new(g.ReferenceError, "Some reference error")) is True
    assert test_error.checkError(js.new(g.URIError, "Some URI error")) is True
    assert test_error.checkError(js.new(g.EvalError, "Some eval error")) is True


def test_throw(test_error):
    throws(lambda: test_error.throwExistingError(), r"^Error: existing error$")
    throws(lambda: test_error.throwError(), r"^Error: error$")
    throws(lambda: test_error.throwRangeError(), r"^RangeError: range error$")
    throws(lambda: test_error.throwTypeError(), r"^TypeError: type error$")
    throws(lambda: test_error.throwSyntaxError(), r"^SyntaxError: syntax error$")


@pytest.mark.parametrize("kind", ["42", "{}", "[]", "Symbol('xyzzy')", "true", "'ball'", "undefined", "null", "NaN"])
def test_throw_arbitrary(node_addon, kind):
    # distinct_nulls: a thrown undefined and a thrown null arrive as themselves, as
    # assert.throws compares them in the driver.
    test_error = node_addon("js-native-api", "test_error", distinct_nulls=True)
    value = {
        "42": 42,
        "{}": js.object(test_error),
        "[]": js.array(test_error),
        "Symbol('xyzzy')": js.symbol(test_error, "xyzzy"),
        "true": True,
        "'ball'": "ball",
        "undefined": js.undefined,
        "null": js.null,
        "NaN": math.nan,
    }[kind]
    err = throws(lambda: test_error.throwArbitrary(value))
    got = err.value
    if kind == "NaN":
        assert isinstance(got, float) and math.isnan(got)
    elif kind in ("undefined", "null"):
        assert got is value
    elif isinstance(value, JSObject) or kind.startswith("Symbol"):
        assert js.strict_equals(got, value)
    else:
        assert got == value and type(got) is type(value)


def test_throw_with_code(test_error):
    throws(lambda: test_error.throwErrorCode(), code="ERR_TEST_CODE", message="Error [error]")
    throws(lambda: test_error.throwRangeErrorCode(), code="ERR_TEST_CODE", message="RangeError [range error]")
    throws(lambda: test_error.throwTypeErrorCode(), code="ERR_TEST_CODE", message="TypeError [type error]")
    throws(lambda: test_error.throwSyntaxErrorCode(), code="ERR_TEST_CODE", message="SyntaxError [syntax error]")


def test_create(test_error):
    Error = _ctor(test_error.createError())
    RangeError_ = _ctor(test_error.createRangeError())
    TypeError_ = _ctor(test_error.createTypeError())
    SyntaxError_ = _ctor(test_error.createSyntaxError())
    assert Error.name == "Error"
    assert RangeError_.name == "RangeError"
    assert TypeError_.name == "TypeError"
    assert SyntaxError_.name == "SyntaxError"

    error = test_error.createError()
    assert js.instanceof(error, Error), "expected error to be an instance of Error"
    assert error.message == "error"

    error = test_error.createRangeError()
    assert js.instanceof(error, RangeError_), "expected error to be an instance of RangeError"
    assert error.message == "range error"

    error = test_error.createTypeError()
    assert js.instanceof(error, TypeError_), "expected error to be an instance of TypeError"
    assert error.message == "type error"

    error = test_error.createSyntaxError()
    assert js.instanceof(error, SyntaxError_), "expected error to be an instance of SyntaxError"
    assert error.message == "syntax error"

    error = test_error.createErrorCode()
    assert js.instanceof(error, Error), "expected error to be an instance of Error"
    assert error.code == "ERR_TEST_CODE"
    assert error.message == "Error [error]"
    assert error.name == "Error"

    error = test_error.createRangeErrorCode()
    assert js.instanceof(error, RangeError_), "expected error to be an instance of RangeError"
    assert error.message == "RangeError [range error]"
    assert error.code == "ERR_TEST_CODE"
    assert error.name == "RangeError"

    error = test_error.createTypeErrorCode()
    assert js.instanceof(error, TypeError_), "expected error to be an instance of TypeError"
    assert error.message == "TypeError [type error]"
    assert error.code == "ERR_TEST_CODE"
    assert error.name == "TypeError"

    error = test_error.createSyntaxErrorCode()
    assert js.instanceof(error, SyntaxError_), "expected error to be an instance of SyntaxError"
    assert error.message == "SyntaxError [syntax error]"
    assert error.code == "ERR_TEST_CODE"
    assert error.name == "SyntaxError"
