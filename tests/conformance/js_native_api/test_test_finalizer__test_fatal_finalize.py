"""js-native-api/test_finalizer/test_fatal_finalize.js (partial)

Node runs the addon in a child process, collects, and expects the child to abort with
"Finalizer is calling a function that may affect GC state" on stderr. Here the host is that
process: after `js.gc`, it must have aborted (SIGABRT) with that message. Left out: nothing but
the child-process plumbing.
"""

import pytest

from napi_python import AddonCrashedError, js


@pytest.mark.isolated_only  # the addon aborts its process on purpose
def test_calling_js_in_basic_finalizer_aborts(node_addon):
    test_finalizer = node_addon("js-native-api", "test_finalizer")

    def scope():
        test_finalizer.addFinalizerFailOnJS({})

    scope()
    with pytest.raises(AddonCrashedError) as info:
        for _ in range(10):
            js.gc(test_finalizer)
        test_finalizer.getFinalizerCallCount()
    assert info.value.signal == "SIGABRT"
    assert "Finalizer is calling a function that may affect GC state" in info.value.stderr
