"""node-api/test_exception/test.js: an exception thrown by a finalizer (of an external buffer)
during collection is propagated as an uncaught exception.

The JS file's 'uncaughtException' listener only checks the message if it is called (it is not a
mustCall). Here an uncaught exception goes to `sys.unraisablehook`; every report it gets must
carry the message 'Error during Finalize'.
"""

from __future__ import annotations

import sys

import napi_python
from napi_python import js


def test_finalizer_exception(node_addon, monkeypatch):
    addon = node_addon("node-api", "test_exception")
    reports = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reports.append(u))

    x = addon.createExternalBuffer()
    x = None  # noqa: F841
    js.gc(addon)
    napi_python.close(addon)

    for report in reports:
        assert getattr(report.exc_value, "message", str(report.exc_value)) == "Error during Finalize"
