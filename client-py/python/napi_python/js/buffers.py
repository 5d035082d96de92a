"""Buffers, ArrayBuffers and typed arrays: made in a host's shared memory, or in Python and copied
when passed.
"""

from __future__ import annotations

from typing import Any

from .. import _native
from .anchor import required_connection


def alloc(addon: Any, nbytes: int, js_type: str = "Buffer") -> _native.JSBuffer:
    """A zero-filled ``js_type`` (``"Buffer"``, ``"Float64Array"``, ``"ArrayBuffer"``...) of
    ``nbytes`` bytes in the shared memory of ``addon``'s host: fill it from Python (through
    ``memoryview`` or numpy) and pass it to the addon without any copy."""
    if nbytes < 0:
        raise ValueError(f"nbytes must be >= 0, not {nbytes}")
    return required_connection("alloc", addon).new_buffer(js_type, nbytes)


def buffer(data: Any) -> _native.JSBuffer:
    """A Node ``Buffer`` holding a copy of ``data`` (any bytes-like object), made in Python:
    it is copied into the host when it is passed."""
    return _native.JSBuffer("Buffer", data)


def arraybuffer(data: Any) -> _native.JSBuffer:
    """An ``ArrayBuffer`` holding a copy of ``data``."""
    return _native.JSBuffer("ArrayBuffer", data)


def typedarray(kind: str, data: Any) -> _native.JSBuffer:
    """A typed array of ``kind`` (``"Float64Array"``, ``"Uint16Array"``, ...) over a copy of
    ``data``'s bytes (native byte order; for ``"Float16Array"`` binary16 values, e.g. a numpy
    float16 array or ``struct.pack("e", ...)``)."""
    return _native.JSBuffer(kind, data)
