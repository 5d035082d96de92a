"""js-native-api/4_object_factory/test.js"""


def test_object_factory(node_addon):
    addon = node_addon("js-native-api", "4_object_factory")
    obj1 = addon("hello")
    obj2 = addon("world")
    assert f"{obj1['msg']} {obj2['msg']}" == "hello world"
