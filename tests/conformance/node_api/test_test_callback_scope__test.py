"""node-api/test_callback_scope/test.js (partial): napi_async_init + napi_open/close_callback_scope
around a call into JS; the value returned, and an exception thrown inside the scope.

In the JS file nothing catches the call that throws, so the error reaches
process 'uncaughtException' with message 'foo'. A Python caller is there to catch it: the call
raises the exception the callback raised. Left out: async_hooks (other files of this folder).
"""

from __future__ import annotations

import pytest

from napi_python import js


def test_callback_scope(node_addon):
    binding = node_addon("node-api", "test_callback_scope")
    assert binding.runInCallbackScope(js.object(binding), "test-resource", lambda: 42) == 42

    def throws():
        raise Exception("foo")

    with pytest.raises(Exception) as info:
        binding.runInCallbackScope(js.object(binding), "test-resource", throws)
    assert str(info.value) == "foo"
