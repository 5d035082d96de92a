"""js-native-api/test_constructor/test2.js"""


def test_constructor_name(node_addon):
    TestConstructor = node_addon("js-native-api", "test_constructor").constructorName
    assert TestConstructor.name == "MyObject"
