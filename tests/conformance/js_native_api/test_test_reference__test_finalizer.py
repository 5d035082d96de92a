"""js-native-api/test_reference/test_finalizer.js: a finalizer that calls into JS, which
throws; with --force-node-api-uncaught-exceptions-policy the error reaches
process 'uncaughtException'.

The JS callback is a Python callable. An exception that nothing can catch (Node's
'uncaughtException') is reported to Python's `sys.unraisablehook`; the driver checks that the
callback ran once and that the hook saw the "finalizer error".
"""

from __future__ import annotations

import sys

import napi_python
from napi_python import js


def test_finalizer_exception_is_reported(node_addon, monkeypatch):
    binding = node_addon("js-native-api", "test_reference", "test_finalizer")
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(u))

    calls = []

    def finalizer():
        calls.append(1)
        raise Exception("finalizer error")

    binding.createExternalWithJsFinalize(finalizer)
    js.gc(binding)
    napi_python.close(binding)

    assert calls == [1]  # common.mustCall()
    # process.on('uncaughtException', common.mustCall(err => /finalizer error/))
    assert len(unraisable) == 1
    assert "finalizer error" in str(unraisable[0].exc_value)
