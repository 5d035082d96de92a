"""js-native-api/6_object_wrap/test-basic-finalizer.js (target 6_object_wrap_basic_finalizer,
named myobject_basic_finalizer in Node 24's binding.gyp)"""

from napi_python import js


def test_basic_finalizer(node_addon):
    target = "myobject_basic_finalizer" if node_addon.suite.major >= 24 else "6_object_wrap_basic_finalizer"
    addon = node_addon("js-native-api", "6_object_wrap", target)

    def scope():
        obj = addon.MyObject(9)
        obj = None
        assert obj is None

    scope()
    for _ in range(10):
        js.gc(addon)
        if addon.getFinalizerCallCount() == 1:
            break
    assert addon.getFinalizerCallCount() == 1
