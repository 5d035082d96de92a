"""node-api/test_buffer/test.js: napi_create_buffer, napi_create_external_buffer (deleter after
collection), napi_create_buffer_copy, napi_is_buffer, napi_get_buffer_info, and a non-buffer
passed as a buffer.

Buffers come back to Python as copies (`JSBuffer`), so the host's buffer is unreferenced once
the call returns, as in the JS file where the result is a temporary. Node defers buffer
deleters to a later tick: it checks the count is unchanged right after `gc()` and changed after
`tick(10)`. `js.gc` runs the finalizers that came due, posted ones included, so the driver
checks the count once, after `js.gc`.
"""

from __future__ import annotations

from napi_python import js


def to_string(buf) -> str:
    """buffer.toString(): UTF-8."""
    return bytes(buf).decode("utf-8")


def test_buffers(node_addon):
    binding = node_addon("node-api", "test_buffer")
    the_text = binding.theText

    assert to_string(binding.newBuffer()) == the_text
    assert to_string(binding.newExternalBuffer()) == the_text
    js.gc(binding)
    assert binding.getDeleterCallCount() == 1
    assert to_string(binding.copyBuffer()) == the_text

    buffer = binding.staticBuffer()
    assert binding.bufferHasInstance(buffer) is True
    assert binding.bufferInfo(buffer) is True
    buffer = None
    js.gc(binding)
    assert binding.getDeleterCallCount() == 2

    # Must not crash.
    binding.invalidObjectAsBuffer(js.object(binding))
