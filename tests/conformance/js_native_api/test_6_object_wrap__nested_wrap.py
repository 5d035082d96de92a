"""js-native-api/6_object_wrap/nested_wrap.js (Node 24; target nested_wrap): an ObjectWrap whose
destructor deletes its own wrapper reference and a nested one is finalized once."""

from napi_python import js

from ..helpers import gc_until


def test_nested_wrap_is_finalized_once(node_addon):
    addon = node_addon("js-native-api", "6_object_wrap", "nested_wrap")

    def scope():
        obj = addon.NestedWrap()
        obj = None
        assert obj is None

    scope()
    gc_until(addon, lambda: addon.getFinalizerCallCount() == 1, "object-wrap-ref")
    # The destructor deleted the napi_add_finalizer reference, cancelling its finalizer for good.
    js.gc(addon)
    assert addon.getFinalizerCallCount() == 1
