"""node-api/test_buffer/test_finalizer.js: an external buffer's deleter calls into JS, which
throws; with --force-node-api-uncaught-exceptions-policy the error reaches process 'uncaughtException'.

The JS callback is a Python callable; the listener is the hook `set_uncaught_hook` installs (without
one the host would end, as node's process does: D111). Node collects three times with ticks in
between; `js.gc` runs due (and posted) finalizers, so the driver collects the same three times.
"""

from __future__ import annotations

import napi_python
from napi_python import js


def test_post_finalizer_exception(node_addon, request):
    binding = node_addon("node-api", "test_buffer", "test_finalizer")
    reports: list[BaseException] = []
    napi_python.set_uncaught_hook(reports.append)
    request.addfinalizer(lambda: napi_python.set_uncaught_hook(None))
    calls = []

    def finalizer():
        calls.append(1)
        raise Exception("finalizer error")

    binding.malignFinalizerBuffer(finalizer)
    js.gc(binding)
    js.gc(binding)
    js.gc(binding)
    napi_python.close(binding)

    assert calls == [1]  # common.mustCall
    assert len(reports) == 1  # process.on('uncaughtException', common.mustCall(...))
    assert "finalizer error" in str(reports[0])
