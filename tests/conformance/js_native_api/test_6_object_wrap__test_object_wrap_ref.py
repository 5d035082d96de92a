"""js-native-api/6_object_wrap/test-object-wrap-ref.js"""

from ..helpers import gc_until


def test_object_wrap_dangling_reference(node_addon):
    addon = node_addon("js-native-api", "6_object_wrap")
    addon.objectWrapDanglingReference({})
    gc_until(addon, lambda: addon.objectWrapDanglingReferenceTest(), "object-wrap-ref")
