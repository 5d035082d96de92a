"""Proxies for objects that stay in the host: ``JSObject``, ``JSFunction``, ``JSSymbol``.

Attribute access, calls and construction go to the host. A class's method table is fetched once
per class and cached, so ``obj.method(x)`` costs one round trip.

A proxy does not pickle (``TypeError`` saying what to pass instead): the object it stands for
lives in one host, which another process cannot reach. A ``JSBuffer`` pickles as its bytes.

This is the Python half of how a JS object behaves; the native half, the base classes ``JSRef``,
``JSCallable`` and ``JSMethod`` (attribute lookup, calls) and the requests each operation makes,
is the extension's ``src/proxy/`` folder (docs/architecture.md, "Where to change how a proxy
behaves"). A promise's ``await`` is ``JSPromise``'s, in ``promise.py``.
"""

from __future__ import annotations

import copyreg
import os
from collections.abc import Iterator
from typing import Any, NoReturn, cast

from . import _native

__all__ = ["JSObject", "JSFunction", "JSSymbol", "JSExternal"]

# Constructor names of the keyed collections: `in`, `len` and `bool` use `.has` and `.size`.
_KEYED = frozenset({"Map", "Set", "WeakMap", "WeakSet"})
# Those with a size (a WeakMap or WeakSet has none: it is true, and has no len).
_SIZED = frozenset({"Map", "Set"})
# `dir` walks at most this many prototypes (a chain is finite, but a host could say otherwise).
_MAX_PROTOTYPES = 64


class JSObject(_native.JSRef):
    """A JavaScript object that lives in the addon's host."""

    # Attribute reads go through JSRef's native __getattribute__: every name but dunders and
    # `_napi_` ones is the JS object's (a class's methods come bound from a method table cached
    # natively, anything else is read from the host). Python methods added here must be
    # dunders or `_napi_` names, or a JS property of that name would be hidden.
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        self._napi_conn.set(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._napi_conn.delete(self, name)

    def __getitem__(self, key: Any) -> Any:
        """``obj[key]``, a function bound to ``obj``: ``obj["f"](...)`` is JS's member call
        ``obj["f"](...)``, with ``obj`` as ``this``, as ``obj.f(...)`` is (``js.get`` reads the
        bare function)."""
        return member_of(self, self._napi_conn.get(self, key))

    def __setitem__(self, key: Any, value: Any) -> None:
        self._napi_conn.set(self, key, value)

    def __delitem__(self, key: Any) -> None:
        self._napi_conn.delete(self, key)

    # Python's data model, as Pyodide's JsProxy follows it (the table in docs/python-api.md):
    # containers by their JS kind, found by their constructor's name (`_label`).

    def __contains__(self, key: Any) -> bool:
        """``value in array`` is ``array.includes(value)``; ``key in map_or_set`` is
        ``.has(key)``; for other objects, JS's ``key in obj`` (own or inherited property)."""
        if self._napi_kind == "array":
            return bool(self._napi_conn.call(self._napi_conn.get(self, "includes"), self, (key,)))
        if self._napi_label in _KEYED:
            return bool(self._napi_conn.call(self._napi_conn.get(self, "has"), self, (key,)))
        return bool(self._napi_conn.has(self, key))

    def __len__(self) -> int:
        """An array's ``length``, a Map's or Set's ``size``, or the ``length`` of an array-like
        object; ``TypeError`` for anything else."""
        n = self._napi_size()
        if n is None:
            raise TypeError(f"{self!r} has no length (only arrays, Maps, Sets and array-likes do)")
        return n

    def _napi_size(self) -> int | None:
        if self._napi_kind in ("function", "class"):
            return None
        if self._napi_label in _SIZED:
            size = self._napi_conn.get(self, "size")
        else:
            size = self._napi_conn.get(self, "length")
        return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None

    def __iter__(self) -> Iterator[Any]:
        """An array's elements; else JS's iteration protocol (``for...of``: a Map gives
        ``[key, value]`` lists); ``TypeError`` (at once) for an object that is not iterable."""
        conn = self._napi_conn
        if self._napi_kind == "array":
            return (conn.get(self, i) for i in range(len(self)))
        symbol = conn.get(conn.get(conn.global_this(), "Symbol"), "iterator")
        method = conn.get(self, symbol)
        if not isinstance(method, _native.JSRef) or method._napi_kind not in ("function", "class"):
            raise TypeError(f"{self!r} is not iterable (it has no [Symbol.iterator] method)")
        return _steps(conn, conn.call(method, self, ()))

    def __bool__(self) -> bool:
        """False for an empty array, Map or Set (as Pyodide has it); True for any other object,
        as in JS."""
        if self._napi_kind == "array" or self._napi_label in _SIZED:
            return bool(self._napi_size())
        return True

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _native.JSRef) and other._napi_id == self._napi_id and other._napi_conn is self._napi_conn
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((id(self._napi_conn), self._napi_id))

    def __dir__(self) -> list[str]:
        """The proxy's Python attributes, and the object's string-keyed properties, own and
        inherited (along its prototype chain), as JS's ``for...in`` would reach them and more
        (non-enumerable ones too)."""
        conn = self._napi_conn
        names = set(object.__dir__(self))
        target: Any = self
        seen = 0
        while isinstance(target, _native.JSRef) and seen < _MAX_PROTOTYPES:
            names.update(k for k in conn.own_keys(target) if isinstance(k, str))
            target = conn.get_prototype(target)
            seen += 1
        return sorted(names)

    def __reduce__(self) -> NoReturn:
        _refuse_pickle(self)

    def __repr__(self) -> str:
        return f"<JSObject {self._napi_label or self._napi_kind}>"

    def __str__(self) -> str:
        """What JS's ``String(value)`` gives: the object's ``Symbol.toPrimitive``, ``toString``
        or ``valueOf`` (an array's items joined, ``[object Map]``, a class's own
        ``toString()``), run in the host; an object with none of them raises the host's
        ``TypeError``, as ``String`` throws it. ``repr`` is the proxy's description."""
        return _js_string(self)


def member_of(this: _native.JSRef, value: Any) -> Any:
    """``value`` read from ``this``: a plain function comes bound to it, as a Python method
    comes bound to its instance (a class constructs, whatever its ``this``)."""
    if isinstance(value, _native.JSRef) and value._napi_kind == "function":
        return _native.JSMethod(this, value)
    return value


def _steps(conn: Any, iterator: Any) -> Iterator[Any]:
    """The values a JS iterator yields, one ``next()`` call each."""
    step = conn.get(iterator, "next")
    while True:
        item = conn.call(step, iterator, ())
        if isinstance(item, dict):
            step_result = cast("dict[str, Any]", item)
            done, value = step_result.get("done"), step_result.get("value")
        else:
            done, value = item.done, item.value
        if done:
            return
        yield value


class JSFunction(JSObject, _native.JSCallable):
    """A JavaScript function; a class made with ``napi_define_class`` constructs when called
    (the call itself is native: ``JSCallable.__call__``). Its attributes are its JS properties,
    ``f.call``, ``f.apply`` and ``f.bind`` included (``Function.prototype``'s, or its own);
    ``js.call``, ``js.new`` and ``js.is_class`` do what no property name can hide."""

    __slots__ = ()

    def __repr__(self) -> str:
        what = "class" if self._napi_kind == "class" else "function"
        return f"<JSFunction {what} {self._napi_label or '(anonymous)'}>"


class JSExternal(JSObject):
    """A JavaScript External (``napi_create_external``): an opaque pointer of the addon's, with
    no properties. It keeps its identity and passes back as itself; ``js.is_external`` tells
    one from an empty object (``js.typeof`` answers ``"object"``, as JS does)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<JSExternal {self._napi_id:#x}>"


class JSSymbol(_native.JSRef):
    """A JavaScript Symbol; equal only to itself."""

    # A symbol has no properties to read from the host.
    __getattribute__ = object.__getattribute__
    __slots__ = ()

    @property
    def description(self) -> str:
        """The symbol's description, as JS's ``Symbol.prototype.description``."""
        return self._napi_label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSSymbol) and other._napi_id == self._napi_id and other._napi_conn is self._napi_conn

    def __hash__(self) -> int:
        return hash((id(self._napi_conn), self._napi_id))

    def __reduce__(self) -> NoReturn:
        _refuse_pickle(self)

    def __repr__(self) -> str:
        return f"JSSymbol({self._napi_label!r})"

    def __str__(self) -> str:
        """``Symbol(description)``, as JS's ``String(symbol)``."""
        return _js_string(self)


def _js_string(value: _native.JSRef) -> str:
    """JS's ``String(value)``, called in the value's host (its coercions are the host's)."""
    conn = value._napi_conn
    text = conn.call(conn.get(conn.global_this(), "String"), None, (value,))
    return str(text)


def _refuse_pickle(proxy: Any) -> NoReturn:
    pid = proxy._napi_conn.pid
    where = "an in-process host" if pid == os.getpid() else f"napi-hostd pid {pid}"
    raise TypeError(
        f"cannot pickle {proxy!r}: a JavaScript object lives in one host ({where}), which another process "
        "cannot reach. Pass plain values instead (str, int, float, bytes, lists, dicts; a JSBuffer pickles as "
        "its bytes), or the Addon itself (it pickles as what loads it again) and make the object there"
    )


def _reduce_buffer(buf: _native.JSBuffer) -> tuple[type[_native.JSBuffer], tuple[str, bytes]]:
    # A copy of the bytes, of the same JS type; it finds a host where it is next passed.
    return _native.JSBuffer, (buf.js_type, bytes(buf))


# The native types, which define no __reduce__ of their own.
copyreg.pickle(_native.JSBuffer, _reduce_buffer)
copyreg.pickle(_native.JSMethod, _refuse_pickle)
