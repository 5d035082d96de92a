"""What Python syntax cannot say about JavaScript values.

Functions that take a proxy ask that proxy's host. Functions that create host-side values take
an anchor that says which host should hold them: a proxy of that host, an ``Addon`` of it, or
the ``Host`` itself.

One module a job: ``reflection`` (operators, properties, prototypes, ``new`` and ``call``),
``makers`` (values made in a host, and marked for how JS receives them), ``buffers``,
``file_descriptors``, ``garbage_collection``; ``anchor`` finds the host each asks.
"""

from __future__ import annotations

from ..values import null, undefined
from .buffers import alloc, arraybuffer, buffer, typedarray
from .file_descriptors import close_descriptor, descriptor
from .garbage_collection import gc
from .makers import array, bigint, function, global_this, object, symbol, symbol_for
from .reflection import (
    call,
    define_property,
    get,
    get_prototype,
    has,
    instanceof,
    is_class,
    is_external,
    keys,
    new,
    own_property_descriptors,
    set,
    set_prototype,
    strict_equals,
    typeof,
)

__all__ = [
    "null",
    "undefined",
    "typeof",
    "is_external",
    "instanceof",
    "strict_equals",
    "own_property_descriptors",
    "define_property",
    "get_prototype",
    "set_prototype",
    "keys",
    "get",
    "set",
    "has",
    "new",
    "call",
    "is_class",
    "symbol",
    "symbol_for",
    "object",
    "array",
    "bigint",
    "gc",
    "descriptor",
    "close_descriptor",
    "global_this",
    "function",
    "alloc",
    "buffer",
    "arraybuffer",
    "typedarray",
]
