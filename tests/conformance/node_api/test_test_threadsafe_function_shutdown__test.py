"""node-api/test_threadsafe_function_shutdown/test.js (Node 24; target binding): in a process
of its own (`fork`), a threadsafe function whose queued call is pending when the process ends is
torn down without a crash; exit status 0. Ported as a host of its own closed right after the call
(isolated mode: its process ends with status 0)."""

import napi_python
from napi_python import js


def test_shutdown_with_a_pending_call(node_addon):
    addon = node_addon("node-api", "test_threadsafe_function_shutdown", "binding")
    assert addon() is None
    js.gc(addon)
    napi_python.close(addon)
