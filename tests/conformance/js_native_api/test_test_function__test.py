"""js-native-api/test_function/test.js

`common.mustCall()` for MakeTrackedFunction is checked after the one `global.gc()`: node checks
it at process exit, before the environment is torn down, so the collection must run it.
"""

from napi_python import js

from ..helpers import MustCall, throws


def test_function(node_addon):
    test_function = node_addon("js-native-api", "test_function")

    def func1():
        return 1

    assert test_function.TestCall(func1) == 1

    def func2():
        print("hello world!")
        return js.null

    assert test_function.TestCall(func2) is None

    def func3(input):
        return input + 1

    assert test_function.TestCall(func3, 1) == 2

    def func4(input):
        return func3(input)

    assert test_function.TestCall(func4, 1) == 2

    assert test_function.TestName.name == "Name"
    assert test_function.TestNameShort.name == "Name_"

    tracked = MustCall()
    tracked_function = test_function.MakeTrackedFunction(tracked)
    assert tracked_function
    tracked_function = None
    js.gc(test_function)

    assert test_function.TestCreateFunctionParameters() == {
        "envIsNull": "Invalid argument",
        "nameIsNull": "napi_ok",
        "cbIsNull": "Invalid argument",
        "resultIsNull": "Invalid argument",
    }

    throws(lambda: test_function.TestBadReturnExceptionPending(), code="throwing exception", name="Error")
    tracked.check()
