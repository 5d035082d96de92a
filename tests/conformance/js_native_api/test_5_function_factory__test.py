"""js-native-api/5_function_factory/test.js"""


def test_function_factory(node_addon):
    addon = node_addon("js-native-api", "5_function_factory")
    fn = addon()
    assert fn() == "hello world"
