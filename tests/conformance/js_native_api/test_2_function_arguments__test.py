"""js-native-api/2_function_arguments/test.js"""


def test_add(node_addon):
    addon = node_addon("js-native-api", "2_function_arguments")
    assert addon.add(3, 5) == 8
