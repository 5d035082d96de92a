"""js-native-api/test_general/testGlobals.js (undefined and null both arrive as None)"""


def test_globals(node_addon):
    test_globals = node_addon("js-native-api", "test_general")
    assert test_globals.getUndefined() is None
    assert test_globals.getNull() is None
