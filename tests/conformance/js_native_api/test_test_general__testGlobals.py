"""js-native-api/test_general/testGlobals.js (with `distinct_nulls`, undefined and null arrive as
`js.undefined` and `js.null`, as the driver's strictEqual tells them apart)"""

from napi_python import js


def test_globals(node_addon):
    test_globals = node_addon("js-native-api", "test_general", distinct_nulls=True)
    assert test_globals.getUndefined() is js.undefined
    assert test_globals.getNull() is js.null
