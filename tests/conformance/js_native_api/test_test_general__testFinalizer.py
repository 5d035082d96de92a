"""js-native-api/test_general/testFinalizer.js

`common.mustCall(n)` counts are checked at the end (node checks them at process exit).
"""

from napi_python import js

from ..helpers import MustCall, gc_until, throws


def test_finalizer(node_addon):
    test_general = node_addon("js-native-api", "test_general")
    finalized = js.object(test_general)
    callback = MustCall(2)

    test_general.addFinalizerOnly(finalized, callback)
    test_general.addFinalizerOnly(finalized, callback)

    throws(lambda: test_general.unwrap(finalized), name="Error", message="Invalid argument")
    throws(lambda: test_general.removeWrap(finalized), name="Error", message="Invalid argument")
    finalized = None
    js.gc(test_general)

    # testFinalizeAndWrap
    assert test_general.derefItemWasCalled() is False
    finalize_and_wrap = js.object(test_general)
    test_general.wrap(finalize_and_wrap)
    second = MustCall()
    test_general.addFinalizerOnly(finalize_and_wrap, second)
    finalize_and_wrap = None
    gc_until(test_general, lambda: test_general.derefItemWasCalled(), "test finalize and wrap")

    callback.check()
    second.check()
