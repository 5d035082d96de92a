"""node-api/test_buffer/test_finalizer.js: an external buffer's deleter calls into JS, which
throws; with --force-node-api-uncaught-exceptions-policy the error reaches process 'uncaughtException'.

The JS callback is a Python callable; an uncaught exception goes to `sys.unraisablehook`. Node
collects three times with ticks in between; `js.gc` runs due (and posted) finalizers, so the
driver collects the same three times.
"""

from __future__ import annotations

import sys

import napi_python
from napi_python import js


def test_post_finalizer_exception(node_addon, monkeypatch):
    binding = node_addon("node-api", "test_buffer", "test_finalizer")
    reports = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reports.append(u))
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
    assert "finalizer error" in str(reports[0].exc_value)
