"""JavaScript's operators and ``Object``/``Reflect`` functions on values Python holds: ``typeof``,
``instanceof``, ``===``, properties and prototypes, ``new`` and ``call``.
"""

from __future__ import annotations

from typing import Any

from .. import _native
from ..proxy import JSExternal, JSFunction, JSObject
from ..values import BigInt, null, undefined
from .anchor import connection, required_connection

_MISSING: Any = object()


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
    conn = connection(value)
    return conn.typeof(value) if conn is not None else _local_typeof(value)


def is_external(value: Any) -> bool:
    """Whether ``value`` is a JavaScript External (``napi_create_external``): what ``typeof``
    cannot tell from an empty object (it answers ``"object"`` for both, as JS does)."""
    return isinstance(value, JSExternal)


def instanceof(value: Any, ctor: Any) -> bool:
    """``value instanceof ctor``."""
    return bool(required_connection("instanceof", ctor, value).instanceof(value, ctor))


def strict_equals(a: Any, b: Any) -> bool:
    """``a === b``. Values Python copies (lists, dicts) are fresh objects, so never equal."""
    conn = connection(a, b)
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
    pairs = required_connection("own_property_descriptors", obj).own_property_descriptors(obj)
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
    required_connection("define_property", obj).define_property(obj, key, desc)


def get_prototype(obj: JSObject) -> Any:
    """``Object.getPrototypeOf(obj)``."""
    return required_connection("get_prototype", obj).get_prototype(obj)


def set_prototype(obj: JSObject, proto: Any) -> None:
    """``Object.setPrototypeOf(obj, proto)`` (``proto`` None or ``js.null`` for null)."""
    required_connection("set_prototype", obj).set_prototype(obj, null if proto is None else proto)


def keys(obj: JSObject) -> list[Any]:
    """``Reflect.ownKeys(obj)``: string keys in JS order, then symbols."""
    return list(required_connection("keys", obj).own_keys(obj))


def get(obj: JSObject, key: Any) -> Any:
    """``obj[key]`` for any key type (str, int, ``JSSymbol``)."""
    return required_connection("get", obj).get(obj, key)


def has(obj: JSObject, key: Any) -> bool:
    """JS's ``key in obj``: whether the object has the property, own or inherited, for any key
    type (``in`` on a proxy follows Python's meaning instead: an array's values, say)."""
    return bool(required_connection("has", obj).has(obj, key))


def set(obj: JSObject, key: Any, value: Any) -> None:
    """``obj[key] = value`` in strict mode: a refused write (read-only, getter only, frozen)
    raises ``JSTypeError`` with V8's message, as ``obj.key = value`` does."""
    required_connection("set", obj).set(obj, key, value)


def new(ctor: JSFunction, *args: Any) -> Any:
    """``new ctor(...args)``."""
    return required_connection("new", ctor).construct(ctor, args)


def call(func: JSFunction, this: Any, *args: Any) -> Any:
    """``func.call(this, ...args)``, whatever properties ``func`` has: ``func(...)`` passes
    ``undefined`` as ``this`` and ``obj.method(...)`` passes ``obj``."""
    return required_connection("call", func).call(func, this, args)


def is_class(func: Any) -> bool:
    """Whether ``func`` is a class made by the addon (``napi_define_class``, or napi-rs's and
    node-addon-api's classes): what ``new`` is for. False for anything else, plain functions
    included."""
    return isinstance(func, _native.JSRef) and func._napi_kind == "class"
