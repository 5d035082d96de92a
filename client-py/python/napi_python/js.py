"""What Python syntax cannot say about JavaScript values.

Functions that take a proxy ask that proxy's host. Functions that create host-side values take
an anchor that says which host should hold them: a proxy of that host, an ``Addon`` of it, or
the ``Host`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from . import _native
from .proxy import JSExternal, JSFunction, JSObject, JSSymbol
from .values import BigInt, null, undefined

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

_MISSING: Any = object()


def _conn(*values: Any) -> _native.Connection | None:
    for v in values:
        if isinstance(v, _native.JSRef):
            return v._napi_conn
        live = getattr(v, "_napi_live_conn", None)  # an Addon or a Host
        if live is not None:
            return cast(_native.Connection, live())
        c = getattr(v, "_napi_conn", None)  # a JSBuffer, a JSMethod
        if isinstance(c, _native.Connection):
            return c
    return None


def _require_conn(what: str, *values: Any) -> _native.Connection:
    conn = _conn(*values)
    if conn is None:
        raise TypeError(f"{what} needs a JavaScript object (a proxy), an Addon or a Host to know which host to ask")
    return conn


def _local_typeof(value: Any) -> str:
    """`typeof` of what a Python value becomes in JavaScript."""
    if value is None or value is undefined:
        return "undefined"
    if value is null:
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, BigInt) or (isinstance(value, int) and abs(value) > 2**53):
        return "bigint"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value):
        return "function"
    return "object"


def typeof(value: Any) -> str:
    """JavaScript's ``typeof value``."""
    conn = _conn(value)
    return conn.typeof(value) if conn is not None else _local_typeof(value)


def is_external(value: Any) -> bool:
    """Whether ``value`` is a JavaScript External (``napi_create_external``): what ``typeof``
    cannot tell from an empty object (it answers ``"object"`` for both, as JS does)."""
    return isinstance(value, JSExternal)


def instanceof(value: Any, ctor: Any) -> bool:
    """``value instanceof ctor``."""
    return bool(_require_conn("instanceof", ctor, value).instanceof(value, ctor))


def strict_equals(a: Any, b: Any) -> bool:
    """``a === b``. Values Python copies (lists, dicts) are fresh objects, so never equal."""
    conn = _conn(a, b)
    if conn is not None:
        return bool(conn.strict_equals(a, b))
    ta, tb = _local_typeof(a), _local_typeof(b)
    if ta != tb:
        return False
    if ta == "undefined":
        return True  # None and js.undefined are the same JS value
    if ta in ("object", "function"):
        return a is b
    return bool(a == b)


def own_property_descriptors(obj: JSObject) -> dict[Any, dict[str, Any]]:
    """``Object.getOwnPropertyDescriptors(obj)`` as ``{key: descriptor}`` in JS key order."""
    pairs = _require_conn("own_property_descriptors", obj).own_property_descriptors(obj)
    return {key: desc for key, desc in pairs}


def define_property(
    obj: JSObject,
    key: Any,
    *,
    value: Any = _MISSING,
    get: Any = _MISSING,
    set: Any = _MISSING,
    writable: bool = False,
    enumerable: bool = False,
    configurable: bool = False,
) -> None:
    """``Object.defineProperty(obj, key, {...})``; attributes default to false as in JS."""
    desc: dict[str, Any] = {"enumerable": enumerable, "configurable": configurable}
    if get is not _MISSING or set is not _MISSING:
        if value is not _MISSING:
            raise TypeError("a property has either a value or accessors, not both")
        if get is not _MISSING:
            desc["get"] = get
        if set is not _MISSING:
            desc["set"] = set
    else:
        desc["value"] = None if value is _MISSING else value
        desc["writable"] = writable
    _require_conn("define_property", obj).define_property(obj, key, desc)


def get_prototype(obj: JSObject) -> Any:
    """``Object.getPrototypeOf(obj)``."""
    return _require_conn("get_prototype", obj).get_prototype(obj)


def set_prototype(obj: JSObject, proto: Any) -> None:
    """``Object.setPrototypeOf(obj, proto)`` (``proto`` None or ``js.null`` for null)."""
    _require_conn("set_prototype", obj).set_prototype(obj, null if proto is None else proto)


def keys(obj: JSObject) -> list[Any]:
    """``Reflect.ownKeys(obj)``: string keys in JS order, then symbols."""
    return list(_require_conn("keys", obj).own_keys(obj))


def get(obj: JSObject, key: Any) -> Any:
    """``obj[key]`` for any key type (str, int, ``JSSymbol``)."""
    return _require_conn("get", obj).get(obj, key)


def has(obj: JSObject, key: Any) -> bool:
    """JS's ``key in obj``: whether the object has the property, own or inherited, for any key
    type (``in`` on a proxy follows Python's meaning instead: an array's values, say)."""
    return bool(_require_conn("has", obj).has(obj, key))


def set(obj: JSObject, key: Any, value: Any) -> None:
    """``obj[key] = value`` in strict mode: a refused write (read-only, getter only, frozen)
    raises ``JSTypeError`` with V8's message, as ``obj.key = value`` does."""
    _require_conn("set", obj).set(obj, key, value)


def new(ctor: JSFunction, *args: Any) -> Any:
    """``new ctor(...args)``."""
    return _require_conn("new", ctor).construct(ctor, args)


def call(func: JSFunction, this: Any, *args: Any) -> Any:
    """``func.call(this, ...args)``, whatever properties ``func`` has: ``func(...)`` passes
    ``undefined`` as ``this`` and ``obj.method(...)`` passes ``obj``."""
    return _require_conn("call", func).call(func, this, args)


def is_class(func: Any) -> bool:
    """Whether ``func`` is a class made by the addon (``napi_define_class``, or napi-rs's and
    node-addon-api's classes): what ``new`` is for. False for anything else, plain functions
    included."""
    return isinstance(func, _native.JSRef) and func._napi_kind == "class"


def symbol(addon: Any, description: str | None = None) -> JSSymbol:
    """``Symbol(description)`` in the addon's host."""
    return cast(JSSymbol, _require_conn("symbol", addon).new_symbol(description))


def symbol_for(addon: Any, key: str) -> JSSymbol:
    """``Symbol.for(key)`` in the addon's host."""
    return cast(JSSymbol, _require_conn("symbol_for", addon).symbol_for(key))


def object(addon: Any, props: dict[Any, Any] | None = None, **kw: Any) -> JSObject:
    """A plain object created in the addon's host and held by reference, so the addon's
    changes to it are visible here."""
    pairs = list((props or {}).items()) + list(kw.items())
    return cast(JSObject, _require_conn("object", addon).new_object(pairs))


def array(addon: Any, items: Iterable[Any] = ()) -> JSObject:
    """An array created in the addon's host and held by reference."""
    return cast(JSObject, _require_conn("array", addon).new_array(tuple(items)))


def global_this(addon: Any) -> JSObject:
    """The host's global object (``globalThis``): its ``Object``, ``Error``, ``Symbol``..."""
    return cast(JSObject, _require_conn("global_this", addon).global_this())


class _ReceivesThis:
    """A callable that JavaScript calls with its ``this`` as the first argument."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Any) -> None:
        self._fn = fn

    def __call__(self, this: Any, *args: Any) -> Any:
        return self._fn(this, *args)

    def __repr__(self) -> str:
        return f"js.function({self._fn!r}, receives_this=True)"


def function(fn: Any, *, receives_this: bool = False) -> Any:
    """``fn`` as a JavaScript function. With ``receives_this=True`` it is called with the
    JavaScript ``this`` first: ``fn(this, *args)`` (plain callables never see ``this``)."""
    if not callable(fn):
        raise TypeError(f"{fn!r} is not callable")
    return _ReceivesThis(fn) if receives_this else fn


def gc(addon: Any) -> int:
    """Collects, in the addon's host, every object nothing references (no Python proxy, no
    handle scope, no strong reference) and runs the finalizers that came due, each once.
    Returns how many objects were freed. Python proxies dropped before the call are released
    first."""
    import gc as _pygc

    # Proxies in reference cycles only die in Python's own collection.
    _pygc.collect()
    return int(_require_conn("gc", addon).gc())


def descriptor(addon: Any, fd: Any) -> int:
    """A number the addon's host knows for the open file of ``fd`` (a descriptor number, or an
    object with ``fileno()``), for an addon that takes a descriptor (a lock, an attribute):
    the descriptor itself goes to the host, which gets one of its own on the same open file
    (shared offset, status flags and ``flock`` locks), in both modes. A bare number would name
    nothing there (isolated, the host's numbers are not this process's). The host's descriptor
    stays open until ``js.close_descriptor(addon, number)`` or the host ends, whatever becomes
    of ``fd``; locks taken per process (``fcntl``) are the host's."""
    number = fd.fileno() if hasattr(fd, "fileno") else fd
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError(f"js.descriptor takes a descriptor number or an object with fileno(), not {fd!r}")
    return int(_require_conn("descriptor", addon).adopt_descriptor(number))


def close_descriptor(addon: Any, number: int) -> bool:
    """Closes the host's descriptor that ``js.descriptor`` answered; True if it was open,
    False if it was closed already or is not one ``js.descriptor`` made."""
    return bool(_require_conn("close_descriptor", addon).close_descriptor(number))


def bigint(n: int) -> BigInt:
    """``n`` as a BigInt."""
    return BigInt(n)


def alloc(addon: Any, nbytes: int, js_type: str = "Buffer") -> _native.JSBuffer:
    """A zero-filled ``js_type`` (``"Buffer"``, ``"Float64Array"``, ``"ArrayBuffer"``...) of
    ``nbytes`` bytes in the shared memory of ``addon``'s host: fill it from Python (through
    ``memoryview`` or numpy) and pass it to the addon without any copy."""
    if nbytes < 0:
        raise ValueError(f"nbytes must be >= 0, not {nbytes}")
    return _require_conn("alloc", addon).new_buffer(js_type, nbytes)


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
