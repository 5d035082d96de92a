"""node-api/test_threadsafe_function_abort/test.js (Node 24; target binding): a call queued
before the last release with napi_tsfn_abort still reaches the JS side before the finalizer runs
(the addon asserts that order and aborts otherwise), and the host ends cleanly."""

import napi_python
from napi_python import js


def test_abort_after_a_queued_call(node_addon):
    addon = node_addon("node-api", "test_threadsafe_function_abort", "binding")
    assert addon() is None
    # The finalizer runs once the host has drained the queue: a collection turn and the close
    # that follows must not find the addon's assertion failed (which would end the host).
    js.gc(addon)
    napi_python.close(addon)
