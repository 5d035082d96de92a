"""node-api/test_buffer/test-external-buffer.js: an external buffer with a finalizer may stay
alive until the environment is torn down (regression test for nodejs/node#31134).

Node keeps it on `process` until exit; here the host holds it until the addon is closed, and
closing must not crash."""

from __future__ import annotations

import napi_python


def test_external_buffer_survives_until_teardown(node_addon):
    binding = node_addon("node-api", "test_buffer")
    external_buffer = binding.newExternalBuffer()
    assert bytes(external_buffer).decode("utf-8") == binding.theText
    napi_python.close(binding)
