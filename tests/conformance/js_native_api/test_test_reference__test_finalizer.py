"""js-native-api/test_reference/test_finalizer.js: a finalizer that calls into JS, which
throws; with --force-node-api-uncaught-exceptions-policy the error reaches
process 'uncaughtException'.

The JS callback is a Python callable; the listener is the hook `set_uncaught_hook` installs, as in
node_api/test_buffer/test_finalizer. Without one the host would end, as node's process does
(D111), on the event dispatcher's thread: the finalizer runs inside `js.gc`'s collection, so its
report reaches the client before `js.gc`'s answer, and the host could end before that answer was
read (`js.gc` then raised `AddonCrashedError`, seen in a slow sanitizer run). The driver checks
that the callback ran once and that the listener saw the "finalizer error".
"""

from __future__ import annotations

import napi_python
from napi_python import js


def test_finalizer_exception_is_reported(node_addon, request):
    binding = node_addon("js-native-api", "test_reference", "test_finalizer")
    reports: list[BaseException] = []
    napi_python.set_uncaught_hook(reports.append)
    request.addfinalizer(lambda: napi_python.set_uncaught_hook(None))

    calls = []

    def finalizer():
        calls.append(1)
        raise Exception("finalizer error")

    binding.createExternalWithJsFinalize(finalizer)
    js.gc(binding)
    napi_python.close(binding)

    assert calls == [1]  # common.mustCall()
    # process.on('uncaughtException', common.mustCall(err => /finalizer error/))
    assert len(reports) == 1
    assert "finalizer error" in str(reports[0])
