"""js-native-api/test_finalizer/test.js"""

from napi_python import js

from ..helpers import gc_until


def test_finalizer(node_addon):
    test_finalizer = node_addon("js-native-api", "test_finalizer")

    def scope():
        test_finalizer.addFinalizer({})

    scope()
    for _ in range(10):
        js.gc(test_finalizer)
        if test_finalizer.getFinalizerCallCount() == 1:
            break
    assert test_finalizer.getFinalizerCallCount() == 1

    js_is_called = []

    def scope2():
        test_finalizer.addFinalizerWithJS({}, lambda: js_is_called.append(True))

    scope2()
    gc_until(test_finalizer, lambda: test_finalizer.getFinalizerCallCount() == 2, "ensure JS finalizer called")
    assert js_is_called
